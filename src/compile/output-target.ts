/**
 * Where `vcm compile -o DIR` may write, decided before anything is lowered or written: what is
 * at DIR now (nothing, an empty directory, a previous VCM output, something else), whether DIR
 * is a place no output should replace (`/`, the working directory, a directory holding the
 * input), and whether its file system can take a directory at all (a read-only mount, /proc).
 *
 * Layout on disk: DIR is a symbolic link to a sibling `.NAME.vcm-out.PID.RAND` directory, so a
 * new output replaces an old one with a single rename of the link (see write-output.ts).
 */
import { randomBytes } from "node:crypto";
import { basename, dirname, isAbsolute, join, parse, resolve, sep } from "node:path";
import type { FsOps } from "./fs-ops.js";

/** A refusal or an impossible place: printed as `vcm: cannot write 'DIR': message`, exit 2. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputError";
  }
}

/** An output directory's own name must leave room for the sibling names (`.NAME.vcm-link.…`). */
export const MAX_OUTPUT_NAME_BYTES = 200;

export type TargetKind =
  | "absent"
  | "empty-dir"
  /** DIR is our link to a sibling output directory. */
  | "output-link"
  /** DIR is a real directory holding a manifest.json written by `vcm compile`. */
  | "output-dir"
  /** Anything else: a file, a non-empty directory, another link. Only replaced with --force. */
  | "foreign";

export interface OutputNames {
  dir: string;
  parent: string;
  base: string;
  temp: string;
  gen: string;
  link: string;
  aside: string;
  backup: string;
}

export interface TargetInfo {
  kind: TargetKind;
  /** For `output-link`: the sibling directory it points at (a bare name). */
  linkTarget?: string;
}

export interface TargetOptions {
  /** Replace a foreign DIR (moved aside, never deleted) and allow the refused places. */
  force?: boolean;
  /** The topology file: DIR may not be the directory holding it or one above it. */
  inputFile?: string;
  cwd?: string;
}

const SIBLING_KINDS = ["tmp", "out", "link", "old"] as const;
export type SiblingKind = (typeof SIBLING_KINDS)[number];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The pattern of this output's sibling names: `.NAME.vcm-KIND.PID.RAND`. */
export function siblingPattern(base: string): RegExp {
  return new RegExp(
    `^\\.${escapeRegExp(base)}\\.vcm-(${SIBLING_KINDS.join("|")})\\.(\\d+)\\.[0-9a-f]+$`,
  );
}

export function outputNames(
  dir: string,
  pid: number,
  stamp = randomBytes(4).toString("hex"),
): OutputNames {
  const abs = resolve(dir);
  const parent = dirname(abs);
  const base = basename(abs);
  const sibling = (kind: SiblingKind) => join(parent, `.${base}.vcm-${kind}.${pid}.${stamp}`);
  const time = new Date().toISOString().replace(/[:.]/g, "-");
  return {
    dir: abs,
    parent,
    base,
    temp: sibling("tmp"),
    gen: sibling("out"),
    link: sibling("link"),
    aside: sibling("old"),
    backup: join(parent, `${base}.vcm-backup.${time}`),
  };
}

const MANIFEST_HEAD = /^\{\s*"manifestVersion":\s*\d+,\s*"generator":\s*"vcm compile"/;

/** True when `dir` holds a manifest.json written by `vcm compile` (its first bytes say so). */
export function holdsManifest(fs: FsOps, dir: string): boolean {
  try {
    const st = fs.lstat(join(dir, "manifest.json"));
    if (!st?.isFile()) return false;
    return MANIFEST_HEAD.test(fs.readHead(join(dir, "manifest.json"), 256));
  } catch {
    return false;
  }
}

export function inspectTarget(fs: FsOps, names: OutputNames): TargetInfo {
  const st = fs.lstat(names.dir);
  if (!st) return { kind: "absent" };
  if (st.isSymbolicLink()) {
    const link = fs.readlink(names.dir);
    // A bare sibling name (or, for a Windows junction, its absolute path).
    const target = isAbsolute(link) && dirname(link) === names.parent ? basename(link) : link;
    const m = siblingPattern(names.base).exec(target);
    if (m && m[1] === "out" && holdsManifest(fs, join(names.parent, target))) {
      return { kind: "output-link", linkTarget: target };
    }
    return { kind: "foreign" };
  }
  if (!st.isDirectory()) return { kind: "foreign" };
  if (fs.readdir(names.dir).length === 0) return { kind: "empty-dir" };
  return { kind: holdsManifest(fs, names.dir) ? "output-dir" : "foreign" };
}

/** Why DIR is a place no output should replace, or undefined. */
function dangerousPlace(names: OutputNames, options: TargetOptions): string | undefined {
  const abs = names.dir;
  if (abs === parse(abs).root) return "it is the root directory";
  if (abs === resolve(options.cwd ?? process.cwd())) return "it is the working directory";
  if (options.inputFile !== undefined) {
    const inputDir = dirname(resolve(options.cwd ?? process.cwd(), options.inputFile));
    if (inputDir === abs || inputDir.startsWith(abs + sep)) {
      return "it holds the input topology";
    }
  }
  return undefined;
}

/** Refuse the places and contents `-o` may not replace unless --force; returns what is there. */
export function checkTarget(fs: FsOps, names: OutputNames, options: TargetOptions): TargetInfo {
  if (Buffer.byteLength(names.base) > MAX_OUTPUT_NAME_BYTES) {
    throw new OutputError(
      `the directory name is ${Buffer.byteLength(names.base)} bytes long; at most ` +
        `${MAX_OUTPUT_NAME_BYTES} are allowed (room is needed for the temporary sibling names)`,
    );
  }
  const danger = dangerousPlace(names, options);
  if (danger && !options.force) {
    throw new OutputError(`refusing to replace it: ${danger} (use --force to replace it anyway)`);
  }
  const info = inspectTarget(fs, names);
  if (info.kind === "foreign" && !options.force) {
    const st = fs.lstat(names.dir)!;
    const what = st.isSymbolicLink()
      ? "a symbolic link that is not a previous vcm output"
      : st.isDirectory()
        ? "a non-empty directory that is not a previous vcm output (it has no vcm manifest.json)"
        : "an existing file";
    throw new OutputError(
      `refusing to replace ${what}; use --force to move it aside (it is never deleted)`,
    );
  }
  return info;
}

/** Linux statfs magic numbers of file systems that cannot hold an output directory. */
const VIRTUAL_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x62656570, "configfs"],
  [0xcafe4a11, "bpf"],
  [0xde5e81e4, "efivarfs"],
  [0x6165676c, "pstore"],
]);

/** The nearest existing ancestor of `path` (the path itself when it exists). */
function nearestExisting(fs: FsOps, path: string): string {
  let p = path;
  while (!fs.lstat(p)) {
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  return p;
}

/**
 * Fail at once on places that can never hold the output: a virtual file system, a read-only
 * one, a path through a file, no permission. Probes with a directory made and removed.
 */
export function preflightParent(fs: FsOps, names: OutputNames, pid: number): void {
  const existing = nearestExisting(fs, names.parent);
  const st = fs.lstat(existing);
  if (st && !st.isDirectory() && !(st.isSymbolicLink() && isDirectoryThrough(fs, existing))) {
    throw new OutputError(`'${existing}' is not a directory`);
  }
  let type: number | undefined;
  try {
    type = fs.fsType(existing);
  } catch {
    type = undefined;
  }
  const virtual = type === undefined ? undefined : VIRTUAL_FILE_SYSTEMS.get(type);
  if (virtual) {
    throw new OutputError(`'${existing}' is on a ${virtual} file system, which cannot hold files`);
  }
  const probe = join(existing, `.vcm-probe.${pid}.${randomBytes(4).toString("hex")}`);
  try {
    fs.mkdir(probe);
  } catch (e) {
    throw new OutputError(`cannot create a directory in '${existing}': ${fsErrorText(e)}`);
  }
  fs.remove(probe);
}

function isDirectoryThrough(fs: FsOps, path: string): boolean {
  try {
    fs.readdir(path);
    return true;
  } catch {
    return false;
  }
}

/** Create `dir` and its missing parents one at a time (recursive mkdir spins on /proc). */
export function makeParents(fs: FsOps, dir: string): void {
  const missing: string[] = [];
  let p = dir;
  while (!fs.lstat(p)) {
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const m of missing.reverse()) fs.mkdir(m);
}

/** A file-system error in words, with its code (`read-only file system (EROFS)`). */
export function fsErrorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const words: Record<string, string> = {
    EROFS: "read-only file system",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENOSPC: "no space left on the device",
    EDQUOT: "disk quota exceeded",
    ENAMETOOLONG: "a name is too long for the file system",
    ENOENT: "no such file or directory",
    ENOTDIR: "a part of the path is not a directory",
    EEXIST: "it already exists",
    EIO: "input/output error",
    EBUSY: "the resource is busy",
    EXDEV: "not on the same file system",
  };
  if (code && words[code]) return `${words[code]} (${code})`;
  return e instanceof Error ? e.message : String(e);
}
