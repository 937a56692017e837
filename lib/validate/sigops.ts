/**
 * Legacy signature-operation counting (Bitcoin Core's
 * `CScript::GetSigOpCount(false)`): CHECKSIG/CHECKSIGVERIFY count 1,
 * CHECKMULTISIG/CHECKMULTISIGVERIFY count 20. Pushes are skipped; a
 * truncated push ends the count (as Core's GetOp failure does).
 *
 * @module
 */

const OP_PUSHDATA1 = 0x4c, OP_PUSHDATA2 = 0x4d, OP_PUSHDATA4 = 0x4e;
const OP_CHECKSIG = 0xac, OP_CHECKSIGVERIFY = 0xad;
const OP_CHECKMULTISIG = 0xae, OP_CHECKMULTISIGVERIFY = 0xaf;
/** Sigops charged for one CHECKMULTISIG in legacy (inaccurate) counting. */
export const MAX_PUBKEYS_PER_MULTISIG = 20;

/** Legacy sigops in `bytes[start, start+len)`. */
export function legacySigOps(bytes: Uint8Array, start: number, len: number): number {
  let n = 0;
  let i = start;
  const end = start + len;
  while (i < end) {
    const op = bytes[i++]!;
    if (op <= OP_PUSHDATA4) {
      let size: number;
      if (op < OP_PUSHDATA1) size = op;
      else if (op === OP_PUSHDATA1) {
        if (i + 1 > end) break;
        size = bytes[i]!;
        i += 1;
      } else if (op === OP_PUSHDATA2) {
        if (i + 2 > end) break;
        size = bytes[i]! | (bytes[i + 1]! << 8);
        i += 2;
      } else {
        if (i + 4 > end) break;
        size =
          (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
        i += 4;
      }
      if (size > end - i) break;
      i += size;
    } else if (op === OP_CHECKSIG || op === OP_CHECKSIGVERIFY) n++;
    else if (op === OP_CHECKMULTISIG || op === OP_CHECKMULTISIGVERIFY) {
      n += MAX_PUBKEYS_PER_MULTISIG;
    }
  }
  return n;
}
