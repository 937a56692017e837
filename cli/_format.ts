/**
 * Human-readable numbers for progress lines and summaries.
 *
 * @module
 */

/** 1234567 → "1.23 MB". */
export function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/** Seconds → "1h02m", "3m05s", "12.3s". */
export function duration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s >= 3600) {
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  }
  if (s >= 60) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return `${s.toFixed(1)}s`;
}

/** Thousands separators. */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** Two-column table. */
export function table(rows: Array<[string, string]>): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join("\n");
}

/** Whole MiB as a size flag would take it: `548MiB`. */
export function mib(n: number): string {
  return `${Math.round(n / 2 ** 20)}MiB`;
}
