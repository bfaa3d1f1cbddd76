/**
 * Loads a topology: the root file and, transitively, everything it imports. Each file is read
 * and parsed once (a diamond import is fine); a missing import or a cycle is a diagnostic at
 * the `import` line. The root comes first in the result, then imports in depth-first order.
 *
 * Imports stay inside the project root: an absolute path, a path that leaves the root, a
 * symbolic link that points out of it, or a file that is not a `.vcm` source is refused before
 * anything of it is read, so a topology cannot make VCM show the content of other files.
 */
import { realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve as resolvePath, sep } from "node:path";
import type { Span } from "../diagnostics/span.js";
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ImportDecl, SourceFile } from "../syntax/ast.js";
import { parseSource, type ParseResult } from "../syntax/parse.js";
import { readSource } from "./read-source.js";

export interface LoadedWorkspace {
  files: SourceFile[];
  /** Source text of the `.vcm` files by display name (for code frames). */
  sources: Map<string, string>;
  diagnostics: Diagnostic[];
}

/** A short name for messages: relative to the working directory when that is shorter. */
export function displayNameOf(absolute: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, absolute);
  return rel && !rel.startsWith("..") && rel.length < absolute.length ? rel : absolute;
}

export interface LoadWorkspaceOptions {
  /** The project root imports may not leave (absolute); default: the top-level file's directory. */
  root?: string;
  /**
   * The text of a file as an editor holds it (unsaved changes), by absolute path; undefined
   * reads the disk. The language server passes its open documents.
   */
  overlay?: (absolute: string) => string | undefined;
  /**
   * Parses of earlier loads by absolute path, reused while a file's text is unchanged and
   * updated with new ones (the language server re-parses only the file that was edited).
   */
  parseCache?: Map<string, { text: string; result: ParseResult }>;
}

/** Whether `path` is `dir` or lies below it (both absolute and normalised). */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith(".." + sep) && rel !== ".." && !isAbsolute(rel));
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

type ImportTarget = { ok: true; path: string } | { ok: false; diagnostic: Diagnostic };

/** Where `import "written"` in `importer` leads, or why it is refused (nothing is read). */
function importTarget(written: string, importer: string, root: string, span: Span): ImportTarget {
  const refuse = (d: Diagnostic): ImportTarget => ({ ok: false, diagnostic: d });
  const path = { path: written };
  const widen = `the project root is ${root}; pass --root DIR or put a vcm.config.json in a directory above to widen it`;
  if (isAbsolute(written) || /^[A-Za-z]:[\\/]/.test(written)) {
    return refuse(diagnostic(D.importOutsideRoot.messages.absolute, span, path));
  }
  const target = resolvePath(dirname(importer), written);
  if (!isInside(target, root)) {
    return refuse(diagnostic(D.importOutsideRoot, span, path, { hint: widen }));
  }
  const real = realOrSelf(target);
  if (!isInside(real, realOrSelf(root))) {
    return refuse(diagnostic(D.importOutsideRoot.messages.symlink, span, path, { hint: widen }));
  }
  if (!written.endsWith(".vcm")) {
    return refuse(diagnostic(D.importNotTopology, span, path));
  }
  return { ok: true, path: target };
}

function parseCached(
  absolute: string,
  name: string,
  text: string,
  cache: LoadWorkspaceOptions["parseCache"],
): ParseResult {
  const known = cache?.get(absolute);
  if (known && known.text === text && known.result.ast.file === name) return known.result;
  const result = parseSource(text, name);
  cache?.set(absolute, { text, result });
  return result;
}

export function loadWorkspace(
  rootPath: string,
  cwd: string = process.cwd(),
  options: LoadWorkspaceOptions = {},
): LoadedWorkspace {
  const top = resolvePath(cwd, rootPath);
  const root = options.root ? resolvePath(cwd, options.root) : dirname(top);
  const files: SourceFile[] = [];
  const sources = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const done = new Set<string>();
  // The files being visited, outermost first: an explicit stack (not recursion), so an import
  // chain of any depth cannot overflow the call stack, and a set to find cycles in O(1).
  const stack: { absolute: string; imports: ImportDecl[]; next: number }[] = [];
  const onStack = new Set<string>();

  const enter = (absolute: string, importSpan?: Span) => {
    const name = displayNameOf(absolute, cwd);
    if (onStack.has(absolute)) {
      const cycleAt = stack.findIndex((f) => f.absolute === absolute);
      const chain = [...stack.slice(cycleAt).map((f) => f.absolute), absolute].map((p) =>
        displayNameOf(p, cwd),
      );
      diagnostics.push(diagnostic(D.importCycle, importSpan, { chain: chain.join(" -> ") }));
      return;
    }
    if (done.has(absolute)) return;
    const open = options.overlay?.(absolute);
    const read =
      open !== undefined
        ? { ok: true as const, text: open }
        : readSource(absolute, name, importSpan);
    if (!read.ok) {
      diagnostics.push(read.diagnostic);
      done.add(absolute);
      return;
    }
    const { ast, diagnostics: syntax } = parseCached(absolute, name, read.text, options.parseCache);
    // Code frames quote only topology sources, never another kind of file named on the command line.
    if (absolute.endsWith(".vcm")) sources.set(name, read.text);
    for (const d of syntax) diagnostics.push(d);
    files.push(ast);
    const imports = ast.statements.filter((s): s is ImportDecl => s.kind === "import");
    stack.push({ absolute, imports, next: 0 });
    onStack.add(absolute);
  };

  enter(top);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const statement = frame.imports[frame.next++];
    if (statement === undefined) {
      stack.pop();
      onStack.delete(frame.absolute);
      done.add(frame.absolute);
      continue;
    }
    const target = importTarget(statement.path, frame.absolute, root, statement.pathSpan);
    if (target.ok) enter(target.path, statement.span);
    else diagnostics.push(target.diagnostic);
  }
  return { files, sources, diagnostics };
}
