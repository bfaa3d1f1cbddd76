/**
 * The VCM language server (`vcm lsp --stdio`): documents, when they are checked, where
 * diagnostics go, and the requests, each answered by its own module. Every request handler is
 * guarded: an exception in one is logged and answered with nothing, so one broken document
 * never takes the server down, and a request on a half-typed file answers from what parsed.
 */
import {
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type ServerCapabilities,
} from "vscode-languageserver";
import {
  TextDocument,
  type TextDocumentContentChangeEvent,
} from "vscode-languageserver-textdocument";
import { displayNameOf } from "../workspace/loader.js";
import { Analyzer, type Analysis } from "./analysis.js";
import { codeActions } from "./code-actions.js";
import { completionAt } from "./completion.js";
import { DiagnosticsBook } from "./diagnostics.js";
import { ExpensiveFindings, type TextEdit as SpanEdit } from "./expensive-findings.js";
import { formatDocumentEdits, formatRangeEdits, type FormatVcm } from "./formatting.js";
import { hoverAt } from "./hover.js";
import { definitionAt, referencesAt } from "./navigation.js";
import { documentSymbols, foldingRanges, workspaceSymbols } from "./outline.js";
import { closeVirtual, openVirtual, pathOfUri, uriOfPath } from "./positions.js";
import { prepareRename, renameAt } from "./rename.js";
import { CheckScheduler } from "./scheduler.js";
import { SEMANTIC_TOKENS_LEGEND, semanticTokens } from "./semantic-tokens.js";
import {
  initialSettings,
  pulledSettings,
  type ServerSettings,
  type TrustFlags,
} from "./settings.js";
import { WorkspaceFiles } from "./workspace-files.js";

export interface ServerOptions {
  /** The formatter (src/format/) for document and range formatting, when there is one. */
  formatter?: FormatVcm;
  /** The directory to work from when the client names no workspace folder. */
  cwd?: string;
  /** The command line's `--plugin`, `--no-config` and `--root`. */
  trust?: TrustFlags;
}

/** What a request handler is given about the document it is asked about. */
export interface DocumentContext {
  analysis: Analysis;
  document: TextDocument;
  uri: string;
  path: string;
  /** The display name the analysis' spans use for this document. */
  file: string;
}

export function startLanguageServer(connection: Connection, options: ServerOptions = {}): void {
  new LanguageServer(connection, options).start();
}

const versioned = (uri: string, analysis: Analysis) => ({
  uri,
  ...(analysis.version !== undefined ? { version: analysis.version } : {}),
});

/**
 * One server: the open documents and their last analyses, the settings, the two check schedules
 * (cheap on each change, full after a pause), and the handlers the connection calls.
 */
class LanguageServer {
  private readonly expensive = new ExpensiveFindings();
  private readonly documents: TextDocuments<TextDocument>;
  private readonly book = new DiagnosticsBook();
  private readonly analyses = new Map<string, Analysis>();
  private settings: ServerSettings;
  /** The settings from the command line and the client's initialization options. */
  private initial: ServerSettings;
  private readonly analyzer: Analyzer;
  private readonly files: WorkspaceFiles;
  private canPullConfiguration = false;
  private canWatchFiles = false;
  private readonly scheduler: CheckScheduler;
  private readonly fullScheduler: CheckScheduler;

  constructor(
    private readonly connection: Connection,
    private readonly options: ServerOptions,
  ) {
    // Each change is also applied to the positions of the expensive checks' kept findings.
    this.documents = new TextDocuments<TextDocument>({
      create: (uri, languageId, version, text) =>
        TextDocument.create(uri, languageId, version, text),
      update: (document, changes, version) => {
        for (const change of changes) {
          this.noteEdit(document, change);
          TextDocument.update(document, [change], version);
        }
        return document;
      },
    });
    this.settings = initialSettings(undefined, options.cwd ?? process.cwd(), options.trust);
    this.initial = this.settings;
    const openText = (path: string) => this.documents.get(uriOfPath(path))?.getText();
    this.analyzer = new Analyzer(this.settings.analysis, openText);
    this.files = new WorkspaceFiles(this.analyzer);
    this.scheduler = new CheckScheduler((uri) => this.check(uri), this.settings.debounceMs);
    this.fullScheduler = new CheckScheduler((uri) => this.fullCheck(uri), this.settings.debounceMs);
  }

  start(): void {
    this.listenToClient();
    this.listenToDocuments();
    this.answerRequests();
    this.documents.listen(this.connection);
    this.connection.listen();
  }

  private noteEdit(document: TextDocument, change: TextDocumentContentChangeEvent): void {
    const path = pathOfUri(document.uri);
    if (!path) return;
    const range = "range" in change ? change.range : undefined;
    const start = range?.start ?? { line: 0, character: 0 };
    const end = range?.end ?? document.positionAt(document.getText().length);
    const at = (p: { line: number; character: number }) => ({
      offset: document.offsetAt(p),
      line: p.line + 1,
      column: p.character + 1,
    });
    const edit: SpanEdit = { start: at(start), end: at(end), text: change.text };
    this.expensive.edited(displayNameOf(path, this.settings.analysis.cwd), edit);
  }

  private log(what: string, error: unknown): void {
    this.connection.console.error(
      `vcm: ${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }

  /** Publishes `uris`; the checked document's own list carries the version it was checked at. */
  private publish(uris: Iterable<string>, checked?: { uri: string; version?: number }): void {
    for (const uri of uris) {
      const diagnostics = this.book.forFile(uri, (u) => this.documents.get(u) !== undefined);
      const version = uri === checked?.uri ? checked.version : undefined;
      void this.connection.sendDiagnostics({
        uri,
        diagnostics,
        ...(version !== undefined ? { version } : {}),
      });
    }
  }

  /**
   * The check on each change: only the cheap checks (`src/checks/check.ts`), published with the
   * expensive checks' findings of the last full check (moved with the edits since); the full
   * check follows `debounceMs` after the last change.
   */
  private async check(uri: string): Promise<void> {
    const document = this.documents.get(uri);
    const path = pathOfUri(uri);
    if (!document || !path) return;
    try {
      const incremental = this.analyzer.incremental;
      const cost = incremental ? "cheap" : undefined;
      const analysis = await this.analyzer.analyze(path, document.version, cost);
      // Closed while it was checked: nothing to publish.
      if (!this.documents.get(uri)) return;
      this.analyses.set(uri, analysis);
      const found = [
        ...analysis.checked.diagnostics,
        ...(incremental ? this.expensive.carried(uri) : []),
      ];
      this.publish(this.book.record(uri, found, analysis.cwd), versioned(uri, analysis));
      if (incremental) this.fullScheduler.later(uri);
    } catch (error) {
      this.log(`checking ${path}`, error);
    }
  }

  /** Every check, once the document has been left alone for `debounceMs`. */
  private async fullCheck(uri: string): Promise<void> {
    const document = this.documents.get(uri);
    const path = pathOfUri(uri);
    if (!document || !path) return;
    try {
      const analysis = await this.analyzer.analyze(path, document.version);
      // Closed or edited meanwhile: the cheap check of the new text schedules another.
      if (this.documents.get(uri)?.version !== analysis.version) return;
      this.analyses.set(uri, analysis);
      this.expensive.record(uri, analysis.checked.diagnostics);
      this.publish(
        this.book.record(uri, analysis.checked.diagnostics, analysis.cwd),
        versioned(uri, analysis),
      );
    } catch (error) {
      this.log(`checking ${path} fully`, error);
    }
  }

  /** Open documents (other than `path`'s own) whose last check loaded `path`. */
  private importersOf(path: string): string[] {
    const out: string[] = [];
    for (const [uri, analysis] of this.analyses)
      if (analysis.path !== path && analysis.paths.includes(path)) out.push(uri);
    return out;
  }

  /** The analysis of the document's current text (checking it first if an edit is pending). */
  private async contextOf(uri: string): Promise<DocumentContext | undefined> {
    const document = this.documents.get(uri);
    const path = pathOfUri(uri);
    if (!document || !path) return undefined;
    if (this.analyses.get(uri)?.version !== document.version) await this.scheduler.now(uri);
    const analysis = this.analyses.get(uri);
    if (!analysis) return undefined;
    const file = analysis.fileNameOf(path);
    if (file === undefined) return undefined;
    return { analysis, document, uri, path, file };
  }

  /** Guards a handler: an exception is logged and answered with `fallback`. */
  private guarded<P extends { textDocument: { uri: string } }, R>(
    name: string,
    fallback: R,
    handler: (context: DocumentContext, params: P) => R | Promise<R>,
  ): (params: P) => Promise<R> {
    return async (params: P) => {
      try {
        const context = await this.contextOf(params.textDocument.uri);
        return context ? await handler(context, params) : fallback;
      } catch (error) {
        // A refusal meant for the user (an invalid new name) goes back as the error it is.
        if (error instanceof ResponseError) throw error;
        this.log(`${name} in ${params.textDocument.uri}`, error);
        return fallback;
      }
    };
  }

  private recheckAll(): void {
    for (const d of this.documents.all()) void this.scheduler.now(d.uri);
  }

  /** New settings; open documents are checked again only when what they are checked with changed. */
  private apply(next: ServerSettings): void {
    this.scheduler.delayMs = this.fullScheduler.delayMs = next.debounceMs;
    const changed = JSON.stringify(next.analysis) !== JSON.stringify(this.settings.analysis);
    this.settings = next;
    if (!changed) return;
    this.analyzer.configure(this.settings.analysis);
    this.recheckAll();
  }

  private async pullConfiguration(): Promise<void> {
    if (!this.canPullConfiguration) return;
    try {
      const section: unknown = await this.connection.workspace.getConfiguration("vcm");
      this.apply(pulledSettings(section, this.initial));
    } catch (error) {
      this.log("reading the configuration", error);
    }
  }

  /** The client's folders and settings; what the server offers. */
  private initialize(params: InitializeParams): InitializeResult {
    const { options } = this;
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    const cwd = (folder && pathOfUri(folder)) ?? options.cwd ?? process.cwd();
    this.settings = this.initial = initialSettings(
      params.initializationOptions,
      cwd,
      options.trust,
    );
    this.analyzer.configure(this.settings.analysis);
    this.scheduler.delayMs = this.fullScheduler.delayMs = this.settings.debounceMs;
    this.files.setFolders(
      (params.workspaceFolders ?? [])
        .map((f) => pathOfUri(f.uri))
        .filter((p): p is string => p !== undefined),
      cwd,
    );
    this.canPullConfiguration = params.capabilities.workspace?.configuration === true;
    this.canWatchFiles =
      params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    const capabilities: ServerCapabilities = {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      renameProvider: { prepareProvider: true },
      documentSymbolProvider: true,
      workspaceSymbolProvider: true,
      foldingRangeProvider: true,
      semanticTokensProvider: { legend: SEMANTIC_TOKENS_LEGEND, full: true },
      completionProvider: { triggerCharacters: [" ", ":", ".", "{", ";", '"'] },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    };
    if (options.formatter) {
      capabilities.documentFormattingProvider = true;
      capabilities.documentRangeFormattingProvider = true;
    }
    return { capabilities, serverInfo: { name: "vcm" } };
  }

  /** Initialization, then the configuration as the client pushes it or lets it be pulled. */
  private listenToClient(): void {
    const connection = this.connection;
    connection.onInitialize((params) => this.initialize(params));
    connection.onInitialized(() => {
      void this.pullConfiguration();
      // Changes to closed files (imports, the project configuration) re-check their importers.
      if (this.canWatchFiles)
        void connection.client
          .register(DidChangeWatchedFilesNotification.type, {
            watchers: [
              { globPattern: "**/*.vcm" },
              { globPattern: "**/{vcm.config.json,package.json}" },
            ],
          })
          .catch((error: unknown) => this.log("registering file watchers", error));
    });
    connection.onDidChangeConfiguration((change) => {
      if (this.canPullConfiguration) return void this.pullConfiguration();
      const section = (change.settings as { vcm?: unknown } | undefined)?.vcm;
      if (section !== undefined) this.apply(pulledSettings(section, this.initial));
    });
  }

  /** Open, changed and closed documents, and changed files on disk: what to check again. */
  private listenToDocuments(): void {
    const { documents, scheduler } = this;
    // A non-file document (untitled) is checked as if saved in the workspace folder.
    documents.onDidOpen((e) => {
      if (!e.document.uri.startsWith("file:"))
        openVirtual(e.document.uri, this.settings.analysis.cwd);
    });
    // Fired on open too (after onDidOpen).
    documents.onDidChangeContent((e) => {
      void scheduler.now(e.document.uri);
      const path = pathOfUri(e.document.uri);
      if (path) for (const uri of this.importersOf(path)) scheduler.later(uri);
    });
    documents.onDidClose((e) => {
      const uri = e.document.uri;
      scheduler.cancel(uri);
      this.fullScheduler.cancel(uri);
      this.expensive.drop(uri);
      this.analyses.delete(uri);
      const path = pathOfUri(uri);
      if (path) this.analyzer.forget(path);
      this.publish(this.book.drop(uri));
      closeVirtual(uri);
      // Importers now read the saved file again.
      if (path) for (const other of this.importersOf(path)) scheduler.later(other);
    });
    this.connection.onDidChangeWatchedFiles((change) => {
      for (const c of change.changes) {
        const path = pathOfUri(c.uri);
        if (!path) continue;
        this.analyzer.forget(path);
        this.files.forget(path);
        for (const uri of this.importersOf(path)) scheduler.later(uri);
        if (path.endsWith(".json")) this.recheckAll(); // vcm.config.json or package.json: trust changed
      }
    });
  }

  /** The requests, each answered by its own module under `guarded`. */
  private answerRequests(): void {
    const { connection, files, options } = this;
    const guarded = this.guarded.bind(this);
    connection.onHover(guarded("hover", null, (c, p) => hoverAt(c, p.position)));
    connection.onDefinition(guarded("definition", null, (c, p) => definitionAt(c, p.position)));
    connection.onReferences(
      guarded("references", null, (c, p) =>
        referencesAt(c, p.position, p.context.includeDeclaration, files),
      ),
    );
    connection.onPrepareRename(
      guarded("prepareRename", null, (c, p) => prepareRename(c, p.position)),
    );
    connection.onRenameRequest(
      guarded("rename", null, (c, p) => renameAt(c, p.position, p.newName, files)),
    );
    connection.onDocumentSymbol(guarded("documentSymbol", [], (c) => documentSymbols(c)));
    connection.onFoldingRanges(guarded("foldingRange", [], (c) => foldingRanges(c)));
    connection.languages.semanticTokens.on(
      guarded("semanticTokens", { data: [] }, (c) => semanticTokens(c)),
    );
    connection.onCompletion(guarded("completion", [], (c, p) => completionAt(c, p.position)));
    connection.onCodeAction(guarded("codeAction", [], (c, p) => codeActions(c, p)));
    connection.onDocumentFormatting(
      guarded("formatting", null, (c) =>
        options.formatter ? formatDocumentEdits(c.document, options.formatter) : null,
      ),
    );
    connection.onDocumentRangeFormatting(
      guarded("rangeFormatting", null, (c, p) =>
        options.formatter ? formatRangeEdits(c.document, p.range, options.formatter) : null,
      ),
    );
    connection.onWorkspaceSymbol(async (params) => {
      try {
        return workspaceSymbols(params.query, files, this.documents.all());
      } catch (error) {
        this.log("workspaceSymbol", error);
        return [];
      }
    });
  }
}
