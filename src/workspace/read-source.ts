/**
 * Reads one source file defensively: every way a path can be bad (missing, a directory,
 * binary, invalid UTF-8, too large) becomes a diagnostic, never an exception.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import { fileSpan } from "../diagnostics/span.js";

export const MAX_SOURCE_BYTES = 64 * 1024 * 1024;

export type ReadResult = { ok: true; text: string } | { ok: false; diagnostic: Diagnostic };

function problem(d: Diagnostic): ReadResult {
  return { ok: false, diagnostic: d };
}

/** Line and column (1-based) of byte offset `at` in `bytes`, counting UTF-8 lead bytes as columns. */
function positionOfByte(bytes: Uint8Array, at: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < at; i++) {
    const b = bytes[i]!;
    if (b === 0x0a) {
      line++;
      column = 1;
    } else if ((b & 0xc0) !== 0x80) {
      column++;
    }
  }
  return { line, column };
}

function spanAtByte(file: string, bytes: Uint8Array, at: number): Span {
  const { line, column } = positionOfByte(bytes, at);
  return { file, offset: 0, endOffset: 0, line, column, endLine: line, endColumn: column };
}

/** Index of the first byte where `bytes` stops being valid UTF-8, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if ((b & 0xe0) === 0xc0) {
      need = 1;
      min = 0x80;
    } else if ((b & 0xf0) === 0xe0) {
      need = 2;
      min = 0x800;
    } else if ((b & 0xf8) === 0xf0) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + need >= bytes.length) return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Up to `size` bytes from the start of `fd` (fewer if the file shrank meanwhile). */
function readAll(fd: number, size: number): Uint8Array {
  // Unzeroed: only the `done` bytes actually read are returned.
  const bytes = Buffer.allocUnsafe(size);
  let done = 0;
  while (done < size) {
    const n = readSync(fd, bytes, done, size - done, done);
    if (n === 0) break;
    done += n;
  }
  return bytes.subarray(0, done);
}

/** Read `path` as a .vcm source. `reportAs` is the span to blame (an import line), if any. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export function readSource(path: string, displayName: string, reportAs?: Span): ReadResult {
  const where = reportAs ?? fileSpan(displayName);
  // Opened non-blocking and checked on the open descriptor: a FIFO or a device is refused
  // without blocking, and what is checked is what is read.
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String(code);
    if (reportAs) return problem(diagnostic(D.importNotFound, where, { file: displayName, why }));
    return problem(diagnostic(D.fileNotFound, where, { file: displayName, why }));
  }
  let bytes: Uint8Array;
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) {
      return problem(diagnostic(D.notAFile.messages.directory, where, { file: displayName }));
    }
    if (!st.isFile()) {
      return problem(diagnostic(D.notAFile, where, { file: displayName }));
    }
    if (st.size > MAX_SOURCE_BYTES) {
      const size = { file: displayName, size: st.size, max: MAX_SOURCE_BYTES };
      return problem(diagnostic(D.fileTooLarge, where, size));
    }
    bytes = readAll(fd, st.size);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? String(e);
    return problem(diagnostic(D.fileNotFound, where, { file: displayName, why }));
  } finally {
    closeSync(fd);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const at = spanAtByte(displayName, bytes, nul);
    return problem(diagnostic(D.binaryFile, at, { file: displayName, offset: nul }));
  }
  // The native strict decoder checks and decodes in one pass; the byte loop runs only to say
  // where a file it refused goes wrong (both refuse the same: overlong forms, surrogates,
  // code points past U+10FFFF, cut sequences).
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    if (bad >= 0) {
      const byte = "0x" + bytes[bad]!.toString(16).padStart(2, "0");
      const at = spanAtByte(displayName, bytes, bad);
      return problem(diagnostic(D.invalidUtf8, at, { file: displayName, byte, offset: bad }));
    }
    text = new TextDecoder("utf-8").decode(bytes);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ok: true, text };
}
