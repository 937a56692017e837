/**
 * Output and input shapes for synthetic transactions: P2PKH, P2WPKH, P2TR
 * and 2-of-3 P2WSH multisig, with realistically sized (random, not valid)
 * signatures and keys. Scripts are never executed by blkpipe.
 *
 * @module
 */

import type { Prng } from "./prng.ts";

/** Output/input kinds. */
export const enum ScriptKind {
  P2PKH = 0,
  P2WPKH = 1,
  P2TR = 2,
  P2WSH_MULTISIG = 3,
}

/** Number of kinds. */
export const SCRIPT_KINDS = 4;

/** scriptPubKey for `kind` with random key hash. */
export function outputScript(kind: ScriptKind, rng: Prng): Uint8Array {
  switch (kind) {
    case ScriptKind.P2PKH: {
      const s = new Uint8Array(25);
      s.set([0x76, 0xa9, 0x14]);
      rng.fill(s.subarray(3, 23));
      s[23] = 0x88;
      s[24] = 0xac;
      return s;
    }
    case ScriptKind.P2WPKH: {
      const s = new Uint8Array(22);
      s.set([0x00, 0x14]);
      rng.fill(s.subarray(2));
      return s;
    }
    case ScriptKind.P2TR: {
      const s = new Uint8Array(34);
      s.set([0x51, 0x20]);
      rng.fill(s.subarray(2));
      return s;
    }
    case ScriptKind.P2WSH_MULTISIG: {
      const s = new Uint8Array(34);
      s.set([0x00, 0x20]);
      rng.fill(s.subarray(2));
      return s;
    }
  }
}

/** A DER-shaped signature (71–72 bytes incl. sighash byte) of random bytes. */
function derSig(rng: Prng): Uint8Array {
  const len = rng.chance(0.5) ? 71 : 72;
  const s = rng.fill(new Uint8Array(len));
  s[0] = 0x30;
  s[1] = len - 3;
  s[len - 1] = 0x01;
  return s;
}

function pubkey(rng: Prng): Uint8Array {
  const k = rng.fill(new Uint8Array(33));
  k[0] = 0x02 | (k[0]! & 1);
  return k;
}

/** scriptSig spending `kind` (empty for witness kinds). */
export function inputScriptSig(kind: ScriptKind, rng: Prng): Uint8Array {
  if (kind !== ScriptKind.P2PKH) return new Uint8Array(0);
  const sig = derSig(rng), key = pubkey(rng);
  const s = new Uint8Array(2 + sig.length + key.length);
  s[0] = sig.length;
  s.set(sig, 1);
  s[1 + sig.length] = key.length;
  s.set(key, 2 + sig.length);
  return s;
}

/** Witness stack items spending `kind` (empty for legacy kinds). */
export function inputWitness(kind: ScriptKind, rng: Prng): Uint8Array[] {
  switch (kind) {
    case ScriptKind.P2PKH:
      return [];
    case ScriptKind.P2WPKH:
      return [derSig(rng), pubkey(rng)];
    case ScriptKind.P2TR:
      return [rng.fill(new Uint8Array(64))];
    case ScriptKind.P2WSH_MULTISIG: {
      const script = new Uint8Array(105);
      script[0] = 0x52;
      for (let k = 0; k < 3; k++) {
        script[1 + 34 * k] = 33;
        script.set(pubkey(rng), 2 + 34 * k);
      }
      script[103] = 0x53;
      script[104] = 0xae;
      return [new Uint8Array(0), derSig(rng), derSig(rng), script];
    }
  }
}
