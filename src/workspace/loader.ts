/**
 * Loads a topology: the root file and, transitively, everything it imports. Each file is read
 * and parsed once (a diamond import is fine); a missing import or a cycle is a diagnostic at
 * the `import` line. The root comes first in the result, then imports in depth-first order.
 */
import { dirname, relative, resolve as resolvePath } from "node:path";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../syntax/ast.js";
import { parseSource } from "../syntax/parse.js";
import { readSource } from "./read-source.js";

export interface LoadedWorkspace {
  files: SourceFile[];
  /** Source text by display name (for code frames). */
  sources: Map<string, string>;
  diagnostics: Diagnostic[];
}

/** A short name for messages: relative to the working directory when that is shorter. */
export function displayNameOf(absolute: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, absolute);
  return rel && !rel.startsWith("..") && rel.length < absolute.length ? rel : absolute;
}

export function loadWorkspace(rootPath: string, cwd: string = process.cwd()): LoadedWorkspace {
  const files: SourceFile[] = [];
  const sources = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const done = new Set<string>();
  const inProgress: string[] = [];

  const visit = (absolute: string, importSpan?: SourceFile["statements"][number]["span"]) => {
    const name = displayNameOf(absolute, cwd);
    const cycleAt = inProgress.indexOf(absolute);
    if (cycleAt >= 0) {
      const chain = [...inProgress.slice(cycleAt), absolute].map((p) => displayNameOf(p, cwd));
      diagnostics.push({
        code: "VCM0016",
        check: "import-cycle",
        severity: "error",
        message: `import cycle: ${chain.join(" -> ")}`,
        ...(importSpan ? { span: importSpan } : {}),
      });
      return;
    }
    if (done.has(absolute)) return;
    const read = readSource(absolute, name, importSpan);
    if (!read.ok) {
      diagnostics.push(read.diagnostic);
      done.add(absolute);
      return;
    }
    const { ast, diagnostics: syntax } = parseSource(read.text, name);
    sources.set(name, read.text);
    for (const d of syntax) diagnostics.push(d);
    files.push(ast);
    inProgress.push(absolute);
    for (const statement of ast.statements) {
      if (statement.kind !== "import") continue;
      visit(resolvePath(dirname(absolute), statement.path), statement.span);
    }
    inProgress.pop();
    done.add(absolute);
  };

  visit(resolvePath(cwd, rootPath));
  return { files, sources, diagnostics };
}
