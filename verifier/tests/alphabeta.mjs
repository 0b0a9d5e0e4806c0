// Recomputes e(vk_alpha_1, vk_beta_2) with snarkjs's own curve library (ffjavascript) and
// compares it with the vk_alphabeta_12 of a verification_key.json. Prints MATCH or MISMATCH.
// Usage: node alphabeta.mjs verification_key.json
import fs from "node:fs";
import { buildBn128, utils } from "ffjavascript";

const vk = utils.unstringifyBigInts(JSON.parse(fs.readFileSync(process.argv[2], "utf8")));
const curve = await buildBn128(true);
const ab = curve.pairing(curve.G1.fromObject(vk.vk_alpha_1), curve.G2.fromObject(vk.vk_beta_2));
const got = JSON.stringify(utils.stringifyBigInts(curve.Gt.toObject(ab)));
const want = JSON.stringify(utils.stringifyBigInts(vk.vk_alphabeta_12));
console.log(got === want ? "MATCH" : `MISMATCH\nffjavascript: ${got}\nexported:     ${want}`);
await curve.terminate();
