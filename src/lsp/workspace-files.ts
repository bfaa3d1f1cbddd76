/**
 * The `.vcm` files of the workspace folders beyond the open documents: for workspace symbols,
 * and for references and renames that reach files importing the one edited. The folders are
 * listed once (bounded, skipping `node_modules` and dot-directories) and again after a file
 * changes; parses are shared with the analyzer's cache.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { SourceFile } from "../syntax/ast.js";
import type { Analyzer } from "./analysis.js";

/** At most this many files are listed, so a huge tree cannot stall the server. */
export const MAX_WORKSPACE_FILES = 5000;

export class WorkspaceFiles {
  private folders: string[] = [];
  private listed?: string[];

  constructor(private readonly analyzer: Analyzer) {}

  setFolders(folders: readonly string[], fallback: string): void {
    this.folders = folders.length > 0 ? [...folders] : [fallback];
    this.listed = undefined;
  }

  forget(_path: string): void {
    this.listed = undefined;
  }

  /** Absolute paths of the workspace's `.vcm` files. */
  vcmFiles(): string[] {
    if (this.listed) return this.listed;
    const out: string[] = [];
    const visit = (dir: string, depth: number) => {
      if (out.length >= MAX_WORKSPACE_FILES || depth > 12) return;
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (out.length >= MAX_WORKSPACE_FILES) return;
        if (e.name.startsWith(".") || e.name === "node_modules") continue;
        const path = join(dir, e.name);
        if (e.isDirectory()) visit(path, depth + 1);
        else if (e.isFile() && e.name.endsWith(".vcm")) out.push(path);
      }
    };
    for (const f of this.folders) visit(f, 0);
    return (this.listed = out);
  }

  /** `path` and everything it imports, parsed (the open documents' text where open). */
  closure(path: string): SourceFile[] {
    return this.analyzer.load(path).files;
  }
}
