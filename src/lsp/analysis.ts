/**
 * One document checked as `vcm check` checks a file: the same pipeline
 * (`pipeline/check-topology.ts`: configuration, allowed plugins, imports inside the project
 * root, `use` lines judged, resolve, every named check), with the editor's unsaved text read in
 * place of the disk and unchanged files' parses reused. The symbol index and the lowering are
 * computed on first use (hover, code actions), never per keystroke.
 */
import { statSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import type { CheckCost } from "../checks/check.js";
import type { SeverityOptions } from "../checks/severity.js";
import { lower, type LowerResult } from "../lowering/lower.js";
import { checkTopology, projectOf, type CheckedTopology } from "../pipeline/check-topology.js";
import { IncrementalResolver } from "../semantics/incremental.js";
import type { ParseResult } from "../syntax/parse.js";
import { loadWorkspace, type LoadedWorkspace } from "../workspace/loader.js";
import { SymbolIndex } from "./symbol-index.js";

/** How the server was told to treat the workspace (`vcm check`'s trust flags). */
export interface AnalysisSettings {
  /** The directory spans are relative to and `plugins` resolve from. */
  cwd: string;
  /** `--plugin` modules: third-party plugins the editor's settings allow. */
  plugins: readonly string[];
  /** false (`--no-config`): ignore vcm.config.json / package.json "vcm" (an untrusted workspace). */
  config: boolean;
  /** `--root`: the directory imports may not leave. */
  root?: string;
  severity?: SeverityOptions;
  /**
   * false: each change is checked from scratch with every check (no cheap checks first, no
   * reuse of the last resolution), as before incremental checking; for comparison (the bench).
   */
  incremental?: boolean;
}

export class Analysis {
  private symbolIndex?: SymbolIndex;
  private lowering?: LowerResult | null;

  constructor(
    /** Absolute path of the document checked. */
    readonly path: string,
    /** The editor's version of the text checked, when it was open. */
    readonly version: number | undefined,
    readonly checked: CheckedTopology,
    readonly cwd: string,
    /** The most expensive checks run: "cheap" on a keystroke, "needs-lowering" for all of them. */
    readonly cost: CheckCost = "needs-lowering",
  ) {}

  /** Absolute paths of every file loaded, the document first. */
  get paths(): string[] {
    return this.checked.files.map((f) => resolvePath(this.cwd, f.file));
  }

  /** The display name spans use for an absolute path (as the loader named it). */
  fileNameOf(path: string): string | undefined {
    return this.checked.files.find((f) => resolvePath(this.cwd, f.file) === path)?.file;
  }

  get index(): SymbolIndex {
    return (this.symbolIndex ??= new SymbolIndex(this.checked.files));
  }

  /**
   * The lowering of the checked IR (page sizes, IOVAs), when the topology has no error; it
   * builds the tables, so it runs only when a hover or code action asks, once per analysis.
   * After a cheap check the expensive checks' errors are not known yet: lowering reports its
   * own (no compiled topology), and the full check that follows replaces this analysis.
   */
  lowered(): LowerResult | undefined {
    if (this.lowering !== undefined) return this.lowering ?? undefined;
    this.lowering = null;
    const { ir, registry, diagnostics } = this.checked;
    if (!ir || diagnostics.some((d) => d.severity === "error")) return undefined;
    try {
      this.lowering = lower(ir, registry);
    } catch {
      this.lowering = null;
    }
    return this.lowering ?? undefined;
  }
}

export class Analyzer {
  /** Parses by absolute path, reused while a file's text is unchanged. */
  private readonly parseCache = new Map<string, { text: string; result: ParseResult }>();
  /** Per document checked: resolution reusing what its last check's files have in common. */
  private readonly resolvers = new Map<string, IncrementalResolver>();
  /** Closed files as last read: reused while their size and modification time stay the same. */
  private readonly saved = new Map<string, { text: string; size: number; mtimeMs: number }>();
  /** The editor's text where open, else the saved text while the file is unchanged on disk. */
  private readonly textOf = (path: string): string | undefined => {
    const open = this.overlay(path);
    if (open !== undefined) return open;
    const known = this.saved.get(path);
    if (!known) return undefined;
    try {
      const st = statSync(path);
      if (st.isFile() && st.size === known.size && st.mtimeMs === known.mtimeMs) return known.text;
    } catch {
      // Gone: the loader reports it.
    }
    this.saved.delete(path);
    return undefined;
  };

  constructor(
    private settings: AnalysisSettings,
    /** The open documents' text by absolute path. */
    private readonly overlay: (path: string) => string | undefined,
  ) {}

  /** Remembers the closed files just read with their disk state, to skip reading them again. */
  private remember(workspace: LoadedWorkspace): void {
    for (const f of workspace.files) {
      const path = resolvePath(this.settings.cwd, f.file);
      if (this.saved.has(path) || this.overlay(path) !== undefined) continue;
      try {
        const st = statSync(path);
        // Only if the disk still holds what was parsed (a write since the read is seen next time).
        if (st.isFile() && st.size === Buffer.byteLength(f.text))
          this.saved.set(path, { text: f.text, size: st.size, mtimeMs: st.mtimeMs });
      } catch {
        // Unreadable now: read again next time.
      }
    }
  }

  /** Whether changes get the cheap checks first and incremental resolution (the default). */
  get incremental(): boolean {
    return this.settings.incremental !== false;
  }

  get cwd(): string {
    return this.settings.cwd;
  }

  configure(settings: AnalysisSettings): void {
    this.settings = settings;
    this.parseCache.clear();
    this.saved.clear();
    this.resolvers.clear();
  }

  /** Forget a file's parse (closed, or changed on disk). */
  forget(path: string): void {
    this.parseCache.delete(path);
    this.saved.delete(path);
    this.resolvers.delete(path);
  }

  private options() {
    const { cwd, plugins, config, root, severity } = this.settings;
    return {
      cwd,
      plugins,
      config,
      ...(root !== undefined ? { root } : {}),
      ...(severity ? { severity } : {}),
    };
  }

  /** `path` and its imports, parsed, without checking (references across the workspace). */
  load(path: string): LoadedWorkspace {
    const options = this.options();
    const { root } = projectOf(path, options);
    const workspace = loadWorkspace(path, options.cwd, {
      root,
      overlay: this.textOf,
      parseCache: this.parseCache,
    });
    this.remember(workspace);
    return workspace;
  }

  /** Checks `path` up to the checks of `cost` (default: all of them). */
  async analyze(
    path: string,
    version?: number,
    cost: CheckCost = "needs-lowering",
  ): Promise<Analysis> {
    const workspace = this.load(path);
    let resolver = this.resolvers.get(path);
    if (!resolver && this.settings.incremental !== false)
      this.resolvers.set(path, (resolver = new IncrementalResolver()));
    const checked = await checkTopology(path, {
      ...this.options(),
      workspace,
      cost,
      ...(resolver ? { resolver } : {}),
    });
    return new Analysis(path, version, checked, this.settings.cwd, cost);
  }
}

/** The directory a server without a workspace folder works from: the document's. */
export function fallbackCwd(path: string): string {
  return dirname(path);
}
