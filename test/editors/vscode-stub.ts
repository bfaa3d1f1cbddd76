/**
 * A stand-in for the `vscode` module, enough for vscode-languageclient to start a server, sync
 * documents, publish diagnostics into a collection and call a formatting provider, with the
 * state a test reads: documents to open, settings, diagnostics received, providers registered.
 * Anything the client touches that a test does not need is a harmless no-op.
 */
import { pathToFileURL, fileURLToPath } from "node:url";

type Listener = (e: unknown) => unknown;

class Disposable {
  constructor(private readonly fn: () => void = () => {}) {}
  static from(...ds: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => ds.forEach((d) => d.dispose()));
  }
  dispose(): void {
    this.fn();
  }
}

class EventEmitter {
  private listeners: Listener[] = [];
  event = (listener: Listener): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => (this.listeners = this.listeners.filter((l) => l !== listener)));
  };
  fire(e: unknown): void {
    for (const l of this.listeners) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
    private readonly text: string,
  ) {}
  get path(): string {
    return this.fsPath;
  }
  static file(path: string): Uri {
    return new Uri("file", path, pathToFileURL(path).href);
  }
  static parse(text: string): Uri {
    return text.startsWith("file:")
      ? new Uri("file", fileURLToPath(text), text)
      : new Uri(text.split(":")[0]!, text, text);
  }
  toString(): string {
    return this.text;
  }
  toJSON(): string {
    return this.text;
  }
  with(): Uri {
    return this;
  }
}

class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: Position | number, b: Position | number, c?: number, d?: number) {
    if (typeof a === "number") {
      this.start = new Position(a, b as number);
      this.end = new Position(c!, d!);
    } else {
      this.start = a;
      this.end = b as Position;
    }
  }
}

class Diagnostic {
  code?: unknown;
  source?: string;
  relatedInformation?: unknown[];
  tags?: unknown[];
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: number,
  ) {}
}

class TextEdit {
  constructor(
    readonly range: Range,
    readonly newText: string,
  ) {}
  static replace(range: Range, newText: string): TextEdit {
    return new TextEdit(range, newText);
  }
}

/** Every other class the client may construct: keeps its arguments. */
function genericClass(name: string): unknown {
  return {
    [name]: class {
      args: unknown[];
      constructor(...args: unknown[]) {
        this.args = args;
      }
    },
  }[name];
}

export interface StubDocument {
  uri: Uri;
  fileName: string;
  languageId: string;
  version: number;
  isUntitled: boolean;
  isClosed: boolean;
  isDirty: boolean;
  lineCount: number;
  eol: number;
  getText(): string;
  save(): Promise<boolean>;
}

export interface VscodeStub {
  module: Record<string, unknown>;
  settings: Map<string, unknown>;
  folders: string[];
  documents: StubDocument[];
  /** Diagnostics published by the server, by document URI. */
  diagnostics: Map<string, Diagnostic[]>;
  /** Fired when diagnostics arrive. */
  onDiagnostics: EventEmitter;
  formatters: { provideDocumentFormattingEdits(...args: unknown[]): Promise<TextEdit[]> }[];
  errors: string[];
  openDocument(path: string, text: string): StubDocument;
}

/** A no-op function that is also an event: returns a Disposable whatever it is called with. */
const noop = (): Disposable => new Disposable();

/** A namespace whose unknown members are no-ops (events, registrations, setters). */
function namespace(known: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(known, {
    get(target, key) {
      if (key in target) return target[key as string];
      if (key === "then" || typeof key === "symbol") return undefined;
      return noop;
    },
  });
}

export function createVscodeStub(): VscodeStub {
  const settings = new Map<string, unknown>();
  const documents: StubDocument[] = [];
  const diagnostics = new Map<string, Diagnostic[]>();
  const onDiagnostics = new EventEmitter();
  const formatters: VscodeStub["formatters"] = [];
  const errors: string[] = [];
  const opened = new EventEmitter();
  const folders: string[] = [];

  const collection = (name: string) => ({
    name,
    set(uri: Uri | [Uri, Diagnostic[]][], list?: Diagnostic[]) {
      if (Array.isArray(uri)) for (const [u, l] of uri) this.set(u, l);
      else {
        diagnostics.set(uri.toString(), list ?? []);
        onDiagnostics.fire(uri.toString());
      }
    },
    delete(uri: Uri) {
      diagnostics.delete(uri.toString());
    },
    clear() {
      diagnostics.clear();
    },
    get(uri: Uri) {
      return diagnostics.get(uri.toString());
    },
    has(uri: Uri) {
      return diagnostics.has(uri.toString());
    },
    forEach() {},
    dispose() {},
  });

  const matches = (selector: unknown, doc: StubDocument): number => {
    const filters = (Array.isArray(selector) ? selector : [selector]) as unknown[];
    for (const f of filters) {
      if (typeof f === "string" && f === doc.languageId) return 10;
      if (typeof f === "object" && f !== null) {
        const { language, scheme } = f as { language?: string; scheme?: string };
        if ((!language || language === doc.languageId) && (!scheme || scheme === doc.uri.scheme)) {
          return 10;
        }
      }
    }
    return 0;
  };

  const module: Record<string, unknown> = {
    // So TypeScript's __importStar hands the client this object itself, unknown members and all.
    __esModule: true,
    version: "1.95.0",
    Disposable,
    EventEmitter,
    Uri,
    Position,
    Range,
    Diagnostic,
    TextEdit,
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    DiagnosticTag: { Unnecessary: 1, Deprecated: 2 },
    DiagnosticRelatedInformation: genericClass("DiagnosticRelatedInformation"),
    Location: genericClass("Location"),
    CancellationTokenSource: class {
      token = { isCancellationRequested: false, onCancellationRequested: noop };
      cancel() {}
      dispose() {}
    },
    CancellationError: class extends Error {},
    LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    FileType: { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 },
    TextDocumentSaveReason: { Manual: 1, AfterDelay: 2, FocusOut: 3 },
    CodeActionKind: {
      Empty: { value: "" },
      QuickFix: { value: "quickfix", append: () => ({}) },
      Refactor: { value: "refactor" },
      Source: { value: "source" },
    },
    workspace: namespace({
      get workspaceFolders() {
        return folders.map((f, index) => ({ uri: Uri.file(f), name: f, index }));
      },
      textDocuments: documents,
      notebookDocuments: [],
      getConfiguration: (section?: string) => ({
        get: (key: string, fallback?: unknown) => {
          const full = section ? `${section}.${key}` : key;
          return settings.has(full) ? settings.get(full) : fallback;
        },
        has: (key: string) => settings.has(section ? `${section}.${key}` : key),
        update: async () => {},
        inspect: () => undefined,
      }),
      onDidOpenTextDocument: opened.event,
      createFileSystemWatcher: () => ({
        onDidCreate: noop,
        onDidChange: noop,
        onDidDelete: noop,
        dispose() {},
      }),
      getWorkspaceFolder: () => undefined,
      fs: {},
    }),
    window: namespace({
      createOutputChannel: (name: string) =>
        namespace({
          name,
          append() {},
          appendLine() {},
          replace() {},
          clear() {},
          show() {},
          hide() {},
          dispose() {},
          logLevel: 3,
        }),
      showErrorMessage: async (message: string) => {
        errors.push(message);
        return undefined;
      },
      showWarningMessage: async () => undefined,
      showInformationMessage: async () => undefined,
      visibleTextEditors: [],
      activeTextEditor: undefined,
      tabGroups: { all: [], onDidChangeTabs: noop, onDidChangeTabGroups: noop },
    }),
    languages: namespace({
      match: matches,
      createDiagnosticCollection: collection,
      registerDocumentFormattingEditProvider: (_selector: unknown, provider: never) => {
        formatters.push(provider);
        return new Disposable();
      },
    }),
    commands: namespace({
      registerCommand: noop,
      executeCommand: async () => undefined,
    }),
    env: namespace({
      machineId: "stub",
      sessionId: "stub",
      language: "en",
      appName: "vscode-stub",
      uiKind: 1,
    }),
    extensions: namespace({ all: [] }),
  };

  const stubbed = new Proxy(module, {
    get(target, key) {
      if (key in target) return target[key as string];
      if (typeof key === "symbol" || key === "then") return undefined;
      // A class or enum the client refers to and the tests never look at.
      return genericClass(String(key));
    },
  });

  return {
    module: stubbed,
    settings,
    folders,
    documents,
    diagnostics,
    onDiagnostics,
    formatters,
    errors,
    openDocument(path, text) {
      const doc: StubDocument = {
        uri: Uri.file(path),
        fileName: path,
        languageId: "vcm",
        version: 1,
        isUntitled: false,
        isClosed: false,
        isDirty: false,
        lineCount: text.split("\n").length,
        eol: 1,
        getText: () => text,
        save: async () => true,
      };
      documents.push(doc);
      opened.fire(doc);
      return doc;
    },
  };
}
