/** `npm run bench`: every benchmark, one after another. Not part of `npm test`. */
import { checkBench } from "./check-bench.js";

console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`);
await checkBench();
