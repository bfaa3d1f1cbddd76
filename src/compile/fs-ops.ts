/**
 * The file-system calls the compile output writer makes, behind one interface, so tests can
 * fail (or "kill the process") after any single call and check what is left on disk.
 */
import {
  closeSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  renameSync,
  rmSync,
  statfsSync,
  symlinkSync,
  writeFileSync,
  writeSync,
  type Stats,
} from "node:fs";
import { dirname, resolve } from "node:path";

export interface FsOps {
  mkdir(path: string): void;
  writeFile(path: string, data: string | Uint8Array): void;
  open(path: string): number;
  write(fd: number, data: Uint8Array, position: number): void;
  truncate(fd: number, size: number): void;
  close(fd: number): void;
  rename(from: string, to: string): void;
  symlink(target: string, path: string): void;
  /** Remove a file, a symlink or a directory tree (absent is fine). */
  remove(path: string): void;
  /** Undefined when nothing is at `path`. Never follows a final symlink. */
  lstat(path: string): Stats | undefined;
  readlink(path: string): string;
  readdir(path: string): string[];
  /** The first `bytes` bytes of a file (for recognising a manifest without reading it all). */
  readHead(path: string, bytes: number): string;
  /** The file-system type magic (statfs f_type) of the file system holding `path`. */
  fsType(path: string): number;
}

export const realFsOps: FsOps = {
  mkdir: (path) => mkdirSync(path),
  writeFile: (path, data) => writeFileSync(path, data),
  open: (path) => openSync(path, "wx"),
  write: (fd, data, position) => {
    let done = 0;
    while (done < data.byteLength) {
      done += writeSync(fd, data, done, data.byteLength - done, position + done);
    }
  },
  truncate: (fd, size) => ftruncateSync(fd, size),
  close: (fd) => closeSync(fd),
  rename: (from, to) => renameSync(from, to),
  // A relative link (the output moves with its parent); Windows junctions need an absolute one.
  symlink: (target, path) =>
    process.platform === "win32"
      ? symlinkSync(resolve(dirname(path), target), path, "junction")
      : symlinkSync(target, path),
  remove: (path) => rmSync(path, { recursive: true, force: true }),
  lstat: (path) => {
    try {
      return lstatSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  },
  readlink: (path) => readlinkSync(path),
  readdir: (path) => readdirSync(path),
  readHead: (path, bytes) => {
    const fd = openSync(path, "r");
    try {
      const buf = Buffer.alloc(bytes);
      const n = readSync(fd, buf, 0, bytes, 0);
      return buf.subarray(0, n).toString("utf8");
    } finally {
      closeSync(fd);
    }
  },
  fsType: (path) => Number(statfsSync(path).type),
};
