/**
 * `vcm compile FILE -o DIR`: manifest.json, pools/<pool>.bin, domains/<table>.txt and, with
 * `--format c`, tables.h; with `--format dts`, overlay.dtso (./dts-overlay.ts).
 *
 * DIR never passes through a missing or mixed state: it is a symbolic link to a sibling
 * directory `.NAME.vcm-out.PID.RAND`. A new output is written into `.NAME.vcm-tmp.…`, renamed
 * to its own `.NAME.vcm-out.…`, and a new link to it renamed over DIR (rename(2) replaces a
 * link atomically); only then is the old directory removed. A process that dies between any two
 * calls leaves DIR as the complete old output or the complete new one, plus siblings the next
 * run removes. The one exception is an output written by an older VCM as a real directory: it
 * is renamed aside just before the link takes its place, and a death between those two renames
 * is repaired by the next run, which renames it back.
 */
import { basename, join } from "node:path";
import { hex } from "../diagnostics/format.js";
import type { CompiledTopology } from "../lowering/compiled.js";
import { FRAME_BYTES } from "../plugin-api/physical-memory.js";
import { cHeader } from "./c-header.js";
import { dtsOverlay } from "./dts-overlay.js";
import { elfObject } from "./elf-object.js";
import { firmwareAsm } from "./firmware-asm.js";
import { firmwareLd } from "./firmware-ld.js";
import { relocationBytes } from "./firmware-pools.js";
import { formatSet, type FirmwareOutput, type OutputFormat } from "./firmware.js";
import { realFsOps, type FsOps } from "./fs-ops.js";
import { buildManifest, fileStem, nestedReader, pluginFor } from "./manifest.js";
import {
  checkTarget,
  inspectTarget,
  makeParents,
  outputNames,
  preflightParent,
  siblingPattern,
  type OutputNames,
  type TargetOptions,
} from "./output-target.js";

export interface CompileOutputOptions {
  /** One format or several (`c`, `dts`, `asm`, `ld`, `elf`; `default` adds nothing). */
  format: OutputFormat | readonly OutputFormat[];
  /** The firmware outputs, prepared by `prepareFirmware` (`asm`, `ld`, `elf`, `--relocatable`). */
  firmware?: FirmwareOutput;
  /** The topology's sources, for `dts` (device paths from `// dt:` comments). */
  sources?: ReadonlyMap<string, string>;
}

export interface WriteOptions extends TargetOptions {
  fs?: FsOps;
  /** The id stamped on sibling names (tests pretend to be a process that died). */
  pid?: number;
  /** Whether the process that made a sibling still runs (its sibling is then left alone). */
  isAlive?: (pid: number) => boolean;
}

/** Where the writer is, for a progress bar. */
export interface WriteProgress {
  done: number;
  total: number;
  label: string;
}

/** Frames written between two progress reports (and two chances to be interrupted). */
const FRAMES_PER_STEP = 4096;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Remove what killed runs left beside DIR: temporary directories and links, output directories
 * DIR no longer points at, and an older output that was moved aside (renamed back when DIR is
 * missing). Siblings of a process that still runs are left alone.
 */
export function cleanStaleSiblings(
  names: OutputNames,
  fs: FsOps = realFsOps,
  ownPid = process.pid,
  isAlive: (pid: number) => boolean = processAlive,
): void {
  if (!fs.lstat(names.parent)) return;
  const pattern = siblingPattern(names.base);
  const info = inspectTarget(fs, names);
  for (const name of fs.readdir(names.parent).sort()) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid !== ownPid && isAlive(pid)) continue;
    const path = join(names.parent, name);
    if (m[1] === "out" && name === info.linkTarget) continue;
    if (m[1] === "old" && !fs.lstat(names.dir)) {
      fs.rename(path, names.dir);
      continue;
    }
    fs.remove(path);
  }
}

/** Check `-o DIR` before lowering: refused places, impossible places, stale siblings. */
export function prepareOutput(dir: string, options: WriteOptions = {}): void {
  const fs = options.fs ?? realFsOps;
  const pid = options.pid ?? process.pid;
  const names = outputNames(dir, pid);
  preflightParent(fs, names, pid);
  cleanStaleSiblings(names, fs, pid, options.isAlive);
  checkTarget(fs, names, options);
}

function* writePoolImage(
  fs: FsOps,
  compiled: CompiledTopology,
  base: bigint,
  size: bigint,
  path: string,
): Generator<number, void, void> {
  // Only the frames that were written; the rest of the file is a hole (reads as zeros).
  const fd = fs.open(path);
  try {
    const first = Number(base / BigInt(FRAME_BYTES));
    const end = Number((base + size + BigInt(FRAME_BYTES - 1)) / BigInt(FRAME_BYTES));
    let n = 0;
    for (const pfn of compiled.memory.framePfns()) {
      if (pfn < first || pfn >= end) continue;
      // Clip the frame to the pool (a pool need not start or end on a frame boundary).
      const from = BigInt(pfn) * BigInt(FRAME_BYTES);
      const lo = from < base ? base : from;
      const hiEnd = from + BigInt(FRAME_BYTES);
      const hi = hiEnd > base + size ? base + size : hiEnd;
      fs.write(fd, compiled.memory.readBytes(lo, Number(hi - lo)), Number(lo - base));
      if (++n % FRAMES_PER_STEP === 0) yield FRAMES_PER_STEP;
    }
    fs.truncate(fd, Number(size));
    yield n % FRAMES_PER_STEP;
  } finally {
    fs.close(fd);
  }
}

/** Every file of the output, written into `dir` (which does not exist yet). */
function* writeAll(
  fs: FsOps,
  compiled: CompiledTopology,
  dir: string,
  options: CompileOutputOptions,
): Generator<WriteProgress, void, void> {
  let frames = 0;
  for (const p of compiled.pools) frames += Math.ceil(p.usedBytes / FRAME_BYTES);
  const files = compiled.domains.length + compiled.tables.length + 4;
  const total = frames + files;
  let done = 0;
  const step = (label: string, n = 1): WriteProgress => ({ done: (done += n), total, label });
  fs.mkdir(dir);
  fs.mkdir(join(dir, "pools"));
  fs.mkdir(join(dir, "domains"));
  yield step("writing the manifest");
  const manifest = buildManifest(compiled);
  fs.writeFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  yield step("writing the manifest");
  for (const [i, p] of compiled.pools.entries()) {
    const image = manifest.pools[i]!.image;
    for (const n of writePoolImage(fs, compiled, p.base, p.size, join(dir, image))) {
      yield step(`writing ${image}`, n);
    }
  }
  const written = new Set<string>();
  for (const t of compiled.tables) {
    // A nested table is described as the SMMU reads it: its IPAs through its stage 2.
    const nested = t.stage2 !== undefined ? nestedReader(compiled, t.stage2) : undefined;
    const memory = nested ? nested.view(compiled.memory, new Set()) : compiled.memory;
    const text = pluginFor(compiled, t.format).describe(memory, t.context);
    const file = join("domains", `${fileStem(t.name)}.txt`);
    written.add(file);
    fs.writeFile(join(dir, file), text);
    yield step(`writing ${file}`);
  }
  for (const d of compiled.domains) {
    const file = join("domains", `${fileStem(d.name)}.txt`);
    if (d.table !== undefined || written.has(file)) continue;
    const how =
      d.type === "identity"
        ? `identity: every IOVA in the aperture reaches the same physical address`
        : d.type === "blocked"
          ? `blocked: every access faults`
          : `no table (its mapper has no plugin)`;
    const text =
      `domain ${d.name} (mapper ${d.mapper}, ${d.type})\n` +
      `aperture ${hex(d.aperture.base)}..${hex(d.aperture.base + d.aperture.size)}\n` +
      `${how}\n`;
    fs.writeFile(join(dir, file), text);
    yield step(`writing ${file}`);
  }
  const formats = formatSet(options.format);
  const relocations = options.firmware?.relocations;
  if (formats.has("c") || relocations) {
    fs.writeFile(join(dir, "tables.h"), cHeader(compiled, relocations));
  }
  yield step("writing tables.h");
  if (options.firmware) yield* writeFirmware(fs, compiled, dir, formats, options.firmware);
  if (formats.has("dts")) {
    const overlay = dtsOverlay(compiled, options.sources ? { sources: options.sources } : {});
    fs.writeFile(join(dir, "overlay.dtso"), overlay);
  }
  yield step("writing overlay.dtso");
}

/** firmware/: assembler files, ELF objects, the ld fragment, relocatable images and lists. */
function* writeFirmware(
  fs: FsOps,
  compiled: CompiledTopology,
  dir: string,
  formats: ReadonlySet<OutputFormat>,
  firmware: FirmwareOutput,
): Generator<WriteProgress, void, void> {
  const step = (label: string): WriteProgress => ({ done: 1, total: 0, label });
  fs.mkdir(join(dir, "firmware"));
  const topology = compiled.ir.name;
  for (const fp of firmware.pools) {
    const stem = join("firmware", fileStem(fp.pool.name));
    if (formats.has("asm") && fp.architecture) {
      fs.writeFile(join(dir, `${stem}.s`), firmwareAsm(topology, fp));
      yield step(`writing ${stem}.s`);
    }
    if (formats.has("elf") && fp.architecture) {
      writeBinary(fs, join(dir, `${stem}.o`), elfObject(fp));
      yield step(`writing ${stem}.o`);
    }
    if (fp.relocation) {
      writeBinary(fs, join(dir, `${stem}.rel.bin`), fp.bytes);
      writeBinary(fs, join(dir, `${stem}.relocs`), relocationBytes(fp.relocation));
      yield step(`writing ${stem}.rel.bin`);
    }
  }
  if (formats.has("ld")) {
    fs.writeFile(join(dir, "firmware", "tables.ld"), firmwareLd(topology, firmware.pools));
    yield step("writing firmware/tables.ld");
  }
}

function writeBinary(fs: FsOps, path: string, bytes: Uint8Array): void {
  const fd = fs.open(path);
  try {
    if (bytes.length > 0) fs.write(fd, bytes, 0);
    fs.truncate(fd, bytes.length);
  } finally {
    fs.close(fd);
  }
}

/**
 * The whole write as a sequence of steps (one yield after each group of file-system calls), so
 * the CLI can draw progress and stop cleanly on a signal between two steps. Throwing into the
 * generator (or any failing call) removes everything this run made and leaves DIR as it was.
 */
export function* outputSteps(
  compiled: CompiledTopology,
  dir: string,
  options: CompileOutputOptions & WriteOptions = { format: "default" },
): Generator<WriteProgress, void, void> {
  const fs = options.fs ?? realFsOps;
  const pid = options.pid ?? process.pid;
  const names = outputNames(dir, pid);
  makeParents(fs, names.parent);
  cleanStaleSiblings(names, fs, pid, options.isAlive);
  const target = checkTarget(fs, names, options);
  let movedTo: string | undefined;
  let committed = false;
  try {
    yield* writeAll(fs, compiled, names.temp, options);
    fs.rename(names.temp, names.gen);
    yield { done: 1, total: 0, label: "replacing the output" };
    fs.symlink(basename(names.gen), names.link);
    yield { done: 1, total: 0, label: "replacing the output" };
    if (target.kind !== "absent" && target.kind !== "output-link") {
      // A real directory or file cannot be replaced by rename: move it aside first (a foreign
      // one, allowed by --force, to a visible backup that is never removed).
      movedTo = target.kind === "foreign" ? names.backup : names.aside;
      fs.rename(names.dir, movedTo);
    }
    fs.rename(names.link, names.dir);
    committed = true;
  } finally {
    if (!committed) {
      bestEffort(() => movedTo !== undefined && fs.rename(movedTo, names.dir));
      bestEffort(() => fs.remove(names.link));
      bestEffort(() => fs.remove(names.gen));
      bestEffort(() => fs.remove(names.temp));
    }
  }
  // Committed: what was replaced goes (a later run removes it if this one dies first).
  if (target.kind === "output-link") {
    bestEffort(() => fs.remove(join(names.parent, target.linkTarget!)));
  }
  if (movedTo === names.aside) bestEffort(() => fs.remove(names.aside));
}

function bestEffort(f: () => unknown): void {
  try {
    f();
  } catch {
    // Cleaning up after a failure (or a dying process): the next run removes what is left.
  }
}

/** Write the compile output to `dir`, replacing an earlier one only once all files are written. */
export function writeCompileOutput(
  compiled: CompiledTopology,
  dir: string,
  options: CompileOutputOptions & WriteOptions = { format: "default" },
): void {
  for (const _ of outputSteps(compiled, dir, options)) {
    // Synchronous: no progress, no interruption between steps.
  }
}

/** Thrown into the writer when a signal asks it to stop. */
export class WriteInterrupted extends Error {
  constructor(readonly signal: string) {
    super(`interrupted by ${signal}`);
    this.name = "WriteInterrupted";
  }
}

/**
 * The same write, yielding to the event loop between steps so SIGINT / SIGTERM handlers run:
 * `interrupted()` returning a signal name stops it, and everything this run made is removed.
 */
export async function writeCompileOutputAsync(
  compiled: CompiledTopology,
  dir: string,
  options: CompileOutputOptions & WriteOptions,
  hooks: { interrupted?: () => string | undefined; progress?: (p: WriteProgress) => void } = {},
): Promise<void> {
  const steps = outputSteps(compiled, dir, options);
  let next = steps.next();
  while (!next.done) {
    hooks.progress?.(next.value);
    await new Promise<void>((r) => setImmediate(r));
    const signal = hooks.interrupted?.();
    next = signal ? steps.throw(new WriteInterrupted(signal)) : steps.next();
  }
}
