/**
 * `vcm compile FILE -o DIR`: manifest.json, pools/<pool>.bin, domains/<table>.txt and, with
 * `--format c`, tables.h. Written into a temporary sibling directory and renamed into place,
 * so a failed compile never leaves a half-written or damaged output directory.
 */
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { CompiledTopology } from "../lowering/compiled.js";
import { FRAME_BYTES } from "../plugin-api/physical-memory.js";
import { cHeader } from "./c-header.js";
import { buildManifest, fileStem, pluginFor } from "./manifest.js";

export interface CompileOutputOptions {
  format: "default" | "c";
}

/**
 * Write a pool image holding only the frames that were written; the rest of the file is a hole
 * (reads as zeros), so a large, mostly empty pool costs neither time nor disk.
 */
function writePoolImage(
  compiled: CompiledTopology,
  base: bigint,
  size: bigint,
  path: string,
): void {
  const fd = openSync(path, "w");
  try {
    const first = Number(base / BigInt(FRAME_BYTES));
    const end = Number((base + size + BigInt(FRAME_BYTES - 1)) / BigInt(FRAME_BYTES));
    for (const pfn of compiled.memory.framePfns()) {
      if (pfn < first || pfn >= end) continue;
      // Clip the frame to the pool (a pool need not start or end on a frame boundary).
      const from = BigInt(pfn) * BigInt(FRAME_BYTES);
      const lo = from < base ? base : from;
      const hiEnd = from + BigInt(FRAME_BYTES);
      const hi = hiEnd > base + size ? base + size : hiEnd;
      writeSync(
        fd,
        compiled.memory.readBytes(lo, Number(hi - lo)),
        0,
        Number(hi - lo),
        Number(lo - base),
      );
    }
    ftruncateSync(fd, Number(size));
  } finally {
    closeSync(fd);
  }
}

function writeAll(compiled: CompiledTopology, dir: string, options: CompileOutputOptions): void {
  mkdirSync(join(dir, "pools"), { recursive: true });
  mkdirSync(join(dir, "domains"), { recursive: true });
  const manifest = buildManifest(compiled);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  for (const [i, p] of compiled.pools.entries()) {
    writePoolImage(compiled, p.base, p.size, join(dir, manifest.pools[i]!.image));
  }
  for (const t of compiled.tables) {
    const text = pluginFor(compiled, t.format).describe(compiled.memory, t.context);
    writeFileSync(join(dir, "domains", `${fileStem(t.name)}.txt`), text);
  }
  for (const d of compiled.domains) {
    if (d.table !== undefined) continue;
    const how =
      d.type === "identity"
        ? `identity: every IOVA in the aperture reaches the same physical address`
        : d.type === "blocked"
          ? `blocked: every access faults`
          : `no table (its mapper has no plugin)`;
    const text =
      `domain ${d.name} (mapper ${d.mapper}, ${d.type})\n` +
      `aperture 0x${d.aperture.base.toString(16)}..0x${(d.aperture.base + d.aperture.size).toString(16)}\n` +
      `${how}\n`;
    writeFileSync(join(dir, "domains", `${fileStem(d.name)}.txt`), text);
  }
  if (options.format === "c") writeFileSync(join(dir, "tables.h"), cHeader(compiled));
}

/** Write the compile output to `dir`, replacing an earlier one only once all files are written. */
export function writeCompileOutput(
  compiled: CompiledTopology,
  dir: string,
  options: CompileOutputOptions = { format: "default" },
): void {
  const parent = dirname(dir);
  const stem = `.${basename(dir)}.${process.pid}.${Date.now()}`;
  const temp = join(parent, `${stem}.tmp`);
  const old = join(parent, `${stem}.old`);
  mkdirSync(parent, { recursive: true });
  try {
    writeAll(compiled, temp, options);
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    throw e;
  }
  // rename() cannot replace a non-empty directory: move the old one aside, then swap.
  const hadOld = existsSync(dir);
  if (hadOld) renameSync(dir, old);
  try {
    renameSync(temp, dir);
  } catch (e) {
    if (hadOld) renameSync(old, dir);
    rmSync(temp, { recursive: true, force: true });
    throw e;
  }
  if (hadOld) rmSync(old, { recursive: true, force: true });
}
