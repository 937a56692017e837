/**
 * Script disassembly in the notation Esplora prints (`scriptpubkey_asm`,
 * `scriptsig_asm`): rust-bitcoin's opcode names, pushes as
 * `OP_PUSHBYTES_N <hex>` / `OP_PUSHDATA1 <hex>`, small numbers as
 * `OP_PUSHNUM_N`.
 *
 * @module
 */

import { toHex } from "../bytes/hex.ts";

const NAMES: Record<number, string> = {};
[
  "NOP",
  "VER",
  "IF",
  "NOTIF",
  "VERIF",
  "VERNOTIF",
  "ELSE",
  "ENDIF",
  "VERIFY",
  "RETURN",
  "TOALTSTACK",
  "FROMALTSTACK",
  "2DROP",
  "2DUP",
  "3DUP",
  "2OVER",
  "2ROT",
  "2SWAP",
  "IFDUP",
  "DEPTH",
  "DROP",
  "DUP",
  "NIP",
  "OVER",
  "PICK",
  "ROLL",
  "ROT",
  "SWAP",
  "TUCK",
  "CAT",
  "SUBSTR",
  "LEFT",
  "RIGHT",
  "SIZE",
  "INVERT",
  "AND",
  "OR",
  "XOR",
  "EQUAL",
  "EQUALVERIFY",
  "RESERVED1",
  "RESERVED2",
  "1ADD",
  "1SUB",
  "2MUL",
  "2DIV",
  "NEGATE",
  "ABS",
  "NOT",
  "0NOTEQUAL",
  "ADD",
  "SUB",
  "MUL",
  "DIV",
  "MOD",
  "LSHIFT",
  "RSHIFT",
  "BOOLAND",
  "BOOLOR",
  "NUMEQUAL",
  "NUMEQUALVERIFY",
  "NUMNOTEQUAL",
  "LESSTHAN",
  "GREATERTHAN",
  "LESSTHANOREQUAL",
  "GREATERTHANOREQUAL",
  "MIN",
  "MAX",
  "WITHIN",
  "RIPEMD160",
  "SHA1",
  "SHA256",
  "HASH160",
  "HASH256",
  "CODESEPARATOR",
  "CHECKSIG",
  "CHECKSIGVERIFY",
  "CHECKMULTISIG",
  "CHECKMULTISIGVERIFY",
  "NOP1",
  "CLTV",
  "CSV",
  "NOP4",
  "NOP5",
  "NOP6",
  "NOP7",
  "NOP8",
  "NOP9",
  "NOP10",
  "CHECKSIGADD",
].forEach((n, i) => NAMES[0x61 + i] = `OP_${n}`);

function opName(op: number): string {
  if (op === 0) return "OP_0";
  if (op === 0x4f) return "OP_PUSHNUM_NEG1";
  if (op === 0x50) return "OP_RESERVED";
  if (op >= 0x51 && op <= 0x60) return `OP_PUSHNUM_${op - 0x50}`;
  if (op === 0xff) return "OP_INVALIDOPCODE";
  return NAMES[op] ?? `OP_RETURN_${op}`;
}

/**
 * The script `s[from..to)` as Esplora's asm text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scriptAsm } from "./script_asm.ts";
 * const p2pkh = Uint8Array.of(0x76, 0xa9, 0x02, 0xab, 0xcd, 0x88, 0xac);
 * assert.equal(scriptAsm(p2pkh), "OP_DUP OP_HASH160 OP_PUSHBYTES_2 abcd OP_EQUALVERIFY OP_CHECKSIG");
 * ```
 */
export function scriptAsm(s: Uint8Array, from = 0, to = s.length): string {
  const out: string[] = [];
  let i = from;
  while (i < to) {
    const op = s[i++]!;
    let n = -1, name = "";
    if (op >= 0x01 && op <= 0x4b) [n, name] = [op, `OP_PUSHBYTES_${op}`];
    else if (op === 0x4c || op === 0x4d || op === 0x4e) {
      const w = op === 0x4c ? 1 : op === 0x4d ? 2 : 4;
      if (i + w > to) {
        out.push("<unexpected end>");
        break;
      }
      n = 0;
      for (let k = w - 1; k >= 0; k--) n = n * 256 + s[i + k]!;
      i += w;
      name = op === 0x4c ? "OP_PUSHDATA1" : op === 0x4d ? "OP_PUSHDATA2" : "OP_PUSHDATA4";
    }
    if (n < 0) {
      out.push(opName(op));
      continue;
    }
    if (i + n > to) {
      out.push("<unexpected end>");
      break;
    }
    out.push(n === 0 ? name : `${name} ${toHex(s.subarray(i, i + n))}`);
    i += n;
  }
  return out.join(" ");
}
