/**
 * Runs mempool.js (npm, unmodified) against a server (its own process: the
 * library reads environment variables the test runner is not granted).
 * Usage: mempool_client.ts PORT HEIGHT — prints what it read as JSON.
 *
 * @module
 */

import mempoolJS from "@mempool/mempool.js";

const [port, height] = Deno.args;
const { bitcoin } = mempoolJS({ hostname: `127.0.0.1:${port}`, protocol: "http" } as never);
const tip = await bitcoin.blocks.getBlocksTipHeight();
const hash = await bitcoin.blocks.getBlockHeight({ height: Number(height) });
const block = await bitcoin.blocks.getBlock({ hash });
const txids = await bitcoin.blocks.getBlockTxids({ hash });
const tx = await bitcoin.transactions.getTx({ txid: txids.at(-1)! });
const outspends = await bitcoin.transactions.getTxOutspends({ txid: txids[0]! });
const hex = await bitcoin.transactions.getTxHex({ txid: txids[0]! });
console.log(JSON.stringify({ tip, hash, block, txids, tx, outspends, hex }));
