/**
 * Resolution again after an edit, reusing what the edit cannot have changed (the language
 * server, on each keystroke). Resolution is split in two (`resolve.ts`): the declarations
 * (every statement but `map` and `expect`: names, constants, regions, buffer placement,
 * mappers, endpoints, containers, domains) and the uses (reservations, `map` lines,
 * expectations, scenarios). When every declaration statement is as it was, in text and in
 * position (offset, line and column, so every span in what it made is still right), the
 * declarations' state is reused and only the uses are resolved again; when every statement
 * is as it was, the whole result is. Anything else resolves from scratch. The result always
 * equals a resolution from scratch (test/semantics/incremental.test.ts checks that over random
 * edit sequences).
 */
import type { PluginRegistry } from "../plugin-host/registry.js";
import type { ExpectDecl, MapDecl, SourceFile, Statement } from "../syntax/ast.js";
import {
  resolveDeclarations,
  resolveUses,
  type Declarations,
  type ResolveResult,
} from "./resolve.js";

/** What the last resolution reused. */
export type Reuse = "nothing" | "declarations" | "everything";

/** One file's statements, split once per parsed file. */
interface FileStatements {
  file: SourceFile;
  declarations: Statement[];
  maps: MapDecl[];
  expects: ExpectDecl[];
  /** The maps and expects in source order. */
  uses: Statement[];
}

const splitOf = new WeakMap<SourceFile, FileStatements>();

function split(file: SourceFile): FileStatements {
  let out = splitOf.get(file);
  if (out) return out;
  out = { file, declarations: [], maps: [], expects: [], uses: [] };
  for (const statement of file.statements) {
    if (statement.kind === "map") out.maps.push(statement);
    else if (statement.kind === "expect") out.expects.push(statement);
    else {
      out.declarations.push(statement);
      continue;
    }
    out.uses.push(statement);
  }
  splitOf.set(file, out);
  return out;
}

export class IncrementalResolver {
  private last?: {
    /** The files the declarations were made from. */
    declared: readonly FileStatements[];
    /** The files of the last call (their uses made the last result). */
    files: readonly FileStatements[];
    /** The plugins resolved with, as the caller identifies them. */
    plugins: readonly unknown[];
    declarations: Declarations;
    result: ResolveResult;
  };
  /** What the last call reused (for tests and the benchmark). */
  reused: Reuse = "nothing";

  /**
   * Resolves `files` with `plugins`; `pluginIdentity` says which plugins those are (the same
   * list for the same plugins: a registry wrapped anew for each call resolves alike).
   */
  resolve(
    files: SourceFile[],
    plugins: PluginRegistry,
    pluginIdentity: readonly unknown[],
  ): ResolveResult {
    const now = files.map(split);
    const last = this.last;
    if (
      last &&
      last.files.length === now.length &&
      sameList(last.plugins, pluginIdentity) &&
      now.every((f, i) => sameDeclarations(last.declared[i]!, f))
    ) {
      if (now.every((f, i) => sameStatements(last.files[i]!, f, "uses"))) {
        this.reused = "everything";
        this.last = { ...last, files: now };
        return last.result;
      }
      const maps = now.flatMap((f) => f.maps);
      const expects = now.flatMap((f) => f.expects);
      const result = resolveUses(last.declarations, files, maps, expects);
      this.reused = "declarations";
      this.last = { ...last, files: now, result };
      return result;
    }
    const declarations = resolveDeclarations(files, plugins);
    const result = resolveUses(declarations, files);
    this.reused = "nothing";
    this.last = { declared: now, files: now, plugins: pluginIdentity, declarations, result };
    return result;
  }
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameDeclarations(a: FileStatements, b: FileStatements): boolean {
  return a.file.file === b.file.file && sameStatements(a, b, "declarations");
}

/**
 * Whether two files' statements of one group parse alike: the same objects (a file not parsed
 * again), or the same kind and text at the same offset, line and column. A statement's tree
 * is a function of its text and where it starts.
 */
function sameStatements(
  x: FileStatements,
  y: FileStatements,
  group: "declarations" | "uses",
): boolean {
  const a = x[group];
  const b = y[group];
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const p = a[i]!;
    const q = b[i]!;
    if (p === q) continue;
    const s = p.span;
    const t = q.span;
    if (
      p.kind !== q.kind ||
      s.offset !== t.offset ||
      s.endOffset !== t.endOffset ||
      s.line !== t.line ||
      s.column !== t.column ||
      x.file.text.slice(s.offset, s.endOffset) !== y.file.text.slice(t.offset, t.endOffset)
    )
      return false;
  }
  return true;
}
