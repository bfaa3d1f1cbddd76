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

interface Statements {
  /** The declarations in file order, each with its file. */
  declarations: Located[];
  uses: Located[];
  maps: MapDecl[];
  expects: ExpectDecl[];
}

interface Located {
  statement: Statement;
  file: SourceFile;
}

export class IncrementalResolver {
  private last?: {
    files: readonly SourceFile[];
    /** The plugins resolved with, as the caller identifies them. */
    plugins: readonly unknown[];
    statements: Statements;
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
    const statements = splitStatements(files);
    const last = this.last;
    if (
      last &&
      sameList(last.plugins, pluginIdentity) &&
      sameFileNames(last.files, files) &&
      sameStatements(last.statements.declarations, statements.declarations)
    ) {
      if (sameStatements(last.statements.uses, statements.uses)) {
        this.reused = "everything";
        this.last = { ...last, files, statements };
        return last.result;
      }
      const result = resolveUses(last.declarations, files, statements.maps, statements.expects);
      this.reused = "declarations";
      // The declarations keep the statement objects they were made from.
      this.last = {
        ...last,
        files,
        statements: { ...statements, declarations: last.statements.declarations },
        result,
      };
      return result;
    }
    const declarations = resolveDeclarations(files, plugins);
    const result = resolveUses(declarations, files);
    this.reused = "nothing";
    this.last = { files, plugins: pluginIdentity, statements, declarations, result };
    return result;
  }
}

function splitStatements(files: readonly SourceFile[]): Statements {
  const out: Statements = { declarations: [], uses: [], maps: [], expects: [] };
  for (const file of files)
    for (const statement of file.statements) {
      if (statement.kind === "map") out.maps.push(statement);
      else if (statement.kind === "expect") out.expects.push(statement);
      else {
        out.declarations.push({ statement, file });
        continue;
      }
      out.uses.push({ statement, file });
    }
  return out;
}

function sameList(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameFileNames(a: readonly SourceFile[], b: readonly SourceFile[]): boolean {
  return a.length === b.length && a.every((f, i) => f.file === b[i]!.file);
}

/**
 * Whether two statement lists parse alike: the same objects (a file not parsed again), or the
 * same kind and text at the same offset, line and column of a file of the same name. A
 * statement's tree is a function of its text and where it starts.
 */
function sameStatements(a: readonly Located[], b: readonly Located[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.statement === y.statement) continue;
    const s = x.statement.span;
    const t = y.statement.span;
    if (
      x.statement.kind !== y.statement.kind ||
      x.file.file !== y.file.file ||
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
