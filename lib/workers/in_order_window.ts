/**
 * Work in flight on a pool, handed back in the order it was started, within
 * a bound on items and bytes: the read-ahead of the validation stages (and
 * whatever else keeps workers busy without holding more than it must).
 *
 * @module
 */

/** Results of started work, taken in start order. */
export class InOrderWindow<T> {
  private readonly queue: Array<{ size: number; done: Promise<T> }> = [];
  private bytes = 0;

  /** At most `maxItems` items and `maxBytes` bytes (one item over the bytes is always allowed). */
  constructor(readonly maxItems: number, readonly maxBytes: number) {}

  /** Items in the window. */
  get length(): number {
    return this.queue.length;
  }

  /** True when the window holds more than its bounds: take before adding more. */
  get over(): boolean {
    return this.queue.length > this.maxItems ||
      (this.bytes > this.maxBytes && this.queue.length > 1);
  }

  /** Adds started work of `size` bytes; a failure surfaces when it is taken, not before. */
  push(done: Promise<T>, size: number): void {
    done.catch(() => {});
    this.queue.push({ size, done });
    this.bytes += size;
  }

  /** The oldest work's result (waits for it). */
  async take(): Promise<T> {
    const head = this.queue.shift()!;
    this.bytes -= head.size;
    return await head.done;
  }
}
