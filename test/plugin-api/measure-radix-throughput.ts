/**
 * Throughput measurement (not a unit test): maps 64 GiB as 16,777,216 4K pages in one arm-lpae
 * map call, then enumerates the leaves and unmaps everything, printing entries per second.
 * Run: npx tsc --outDir /tmp/vcm-measure --module nodenext --moduleResolution nodenext \
 *        --target es2022 --skipLibCheck test/plugin-api/measure-radix-throughput.ts &&
 *      node /tmp/vcm-measure/test/plugin-api/measure-radix-throughput.js
 */
import plugin from "../../plugins/arm-lpae/index.js";
import {
  PhysicalMemory,
  PoolAllocator,
  PROT_READ,
  PROT_WRITE,
  type TableContext,
} from "../../src/plugin-api/index.js";

const PAGES = 16_777_216;
const memory = new PhysicalMemory();
const pool = new PoolAllocator("tables", 0x1_0000_0000n, 256n << 20n);
const params = { stage: 1n, granule: 4096n, ias: 48n, oas: 48n };
const aperture = { base: 0n, size: 1n << 48n };
const handle = plugin.create(memory, pool, { params, name: "bench", domainId: 1, aperture });

let t = performance.now();
plugin.map(handle, 0x40_0000_0000n, 0x80_0000_0000n, 4096n, PAGES, PROT_READ | PROT_WRITE, 0);
let s = (performance.now() - t) / 1000;
console.log(
  `map:    ${PAGES} pages in ${s.toFixed(3)} s = ${(PAGES / s / 1e6).toFixed(1)} M entries/s`,
);

const context: TableContext = {
  params,
  root: handle.root,
  registers: plugin.registers(handle),
  aperture,
};
let seen = 0;
let calls = 0;
t = performance.now();
plugin.leaves(memory, context, (_i, _p, count) => {
  seen += count;
  calls++;
});
s = (performance.now() - t) / 1000;
console.log(
  `leaves: ${seen} pages (${calls} runs) in ${s.toFixed(3)} s = ${(seen / s / 1e6).toFixed(1)} M pages/s`,
);

t = performance.now();
const bytes = plugin.unmap(handle, 0n, 1n << 48n);
s = (performance.now() - t) / 1000;
console.log(
  `unmap:  ${bytes >> 12n} pages in ${s.toFixed(3)} s; pool in use ${pool.usedBytes} bytes`,
);
