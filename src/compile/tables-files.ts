/**
 * Opening the files of a `--tables DIR` (a compile output that may have been edited by hand, or
 * written by someone else) without leaving DIR: a path from the manifest must be relative, with
 * no `..`, and must not lead out of DIR through a symbolic link; what is opened must be a
 * regular file (a FIFO or a device is refused, without blocking on it). Sizes are read from the
 * open descriptor, so what is checked is what is then read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";

export class TablesFileProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TablesFileProblem";
  }
}

/** Why `path` (from the manifest) may not name a file of the output directory, or undefined. */
export function unsafeRelativePath(path: string): string | undefined {
  if (path.includes("\0")) return "it holds a NUL character";
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path) || path.startsWith("\\")) {
    return "it is an absolute path; paths are relative to the output directory";
  }
  const parts = path.split(/[\\/]/);
  if (parts.includes("..")) return "it climbs out of the output directory with '..'";
  if (parts.some((p) => p === "")) return "it has an empty path segment";
  return undefined;
}

export interface OpenedFile {
  fd: number;
  size: bigint;
  close(): void;
}

/**
 * Open `rel` inside `dir` for reading. Throws TablesFileProblem saying why when the path is
 * unsafe, leads out of `dir` (also through a symbolic link), or is not a regular file.
 */
export function openInside(dir: string, rel: string): OpenedFile {
  const unsafe = unsafeRelativePath(rel);
  if (unsafe) throw new TablesFileProblem(`'${rel}' is refused: ${unsafe}`);
  let realDir: string;
  let real: string;
  try {
    realDir = realpathSync(dir);
    real = realpathSync(join(dir, rel));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TablesFileProblem(
      `cannot read '${rel}': ${code === "ENOENT" ? "no such file" : (code ?? String(e))}`,
    );
  }
  const inside = relative(realDir, real);
  if (inside === "" || inside === ".." || inside.startsWith(".." + sep) || isAbsolute(inside)) {
    throw new TablesFileProblem(
      `'${rel}' is refused: it is a symbolic link to a place outside the output directory`,
    );
  }
  let fd: number;
  try {
    // O_NOFOLLOW: the resolved path must not have become a link since; O_NONBLOCK: a FIFO
    // swapped in is opened without waiting for a writer, then refused by fstat.
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (e) {
    throw new TablesFileProblem(
      `cannot read '${rel}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  const st = fstatSync(fd, { bigint: true });
  if (!st.isFile()) {
    closeSync(fd);
    const what = st.isFIFO()
      ? "a FIFO"
      : st.isCharacterDevice() || st.isBlockDevice()
        ? "a device"
        : st.isDirectory()
          ? "a directory"
          : st.isSocket()
            ? "a socket"
            : "not a regular file";
    throw new TablesFileProblem(`'${rel}' is refused: it is ${what}, not a regular file`);
  }
  return { fd, size: st.size, close: () => closeSync(fd) };
}

/** The whole of a small opened file (its size already checked by the caller). */
export function readWhole(file: OpenedFile): Buffer {
  const size = Number(file.size);
  const bytes = Buffer.alloc(size);
  let done = 0;
  while (done < size) {
    const n = readSync(file.fd, bytes, done, size - done, done);
    if (n === 0) break;
    done += n;
  }
  if (done !== size) throw new TablesFileProblem(`the file shrank while it was read`);
  return bytes;
}
