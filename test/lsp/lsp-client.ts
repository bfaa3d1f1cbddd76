/**
 * A test editor: spawns the real `vcm lsp --stdio` (the built binary) and speaks JSON-RPC to it
 * through vscode-jsonrpc, as VS Code's client does; keeps the last diagnostics published per URI.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node";
import type { Diagnostic, PublishDiagnosticsParams } from "vscode-languageserver";

const BIN = fileURLToPath(new URL("../../bin/vcm.js", import.meta.url));

export const uriOf = (path: string) => pathToFileURL(path).href;

export class TestEditor {
  readonly connection: MessageConnection;
  readonly child: ChildProcess;
  readonly diagnostics = new Map<string, Diagnostic[]>();
  /** Every publication, in order (a change is published twice: cheap checks, then all). */
  readonly published: PublishDiagnosticsParams[] = [];
  stderr = "";
  private readonly versions = new Map<string, number>();
  private waiters: (() => void)[] = [];

  constructor(cwd: string, args: string[] = ["lsp", "--stdio"]) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr!.on("data", (d) => (this.stderr += String(d)));
    this.connection = createMessageConnection(
      new StreamMessageReader(this.child.stdout!),
      new StreamMessageWriter(this.child.stdin!),
    );
    this.connection.onNotification(
      "textDocument/publishDiagnostics",
      (p: PublishDiagnosticsParams) => {
        this.diagnostics.set(p.uri, p.diagnostics);
        this.published.push(p);
        for (const w of this.waiters.splice(0)) w();
      },
    );
    this.connection.onNotification("window/logMessage", () => {});
    this.connection.onRequest("workspace/configuration", () => [null]);
    this.connection.listen();
  }

  async initialize(rootPath: string, initializationOptions: object = {}): Promise<unknown> {
    const result = await this.connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: uriOf(rootPath),
      workspaceFolders: [{ uri: uriOf(rootPath), name: "test" }],
      capabilities: {},
      initializationOptions,
    });
    await this.connection.sendNotification("initialized", {});
    return result;
  }

  open(path: string, text = readFileSync(path, "utf8")): Promise<void> {
    this.versions.set(uriOf(path), 1);
    return this.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri: uriOf(path), languageId: "vcm", version: 1, text },
    });
  }

  /** Replaces the whole text (an incremental change covering the document). */
  change(path: string, text: string): Promise<void> {
    const uri = uriOf(path);
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    return this.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
  }

  /** An incremental change: `text` replaces the range. */
  edit(
    path: string,
    range: { start: { line: number; character: number }; end: { line: number; character: number } },
    text: string,
  ): Promise<void> {
    const uri = uriOf(path);
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    return this.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version },
      contentChanges: [{ range, text }],
    });
  }

  close(path: string): Promise<void> {
    return this.connection.sendNotification("textDocument/didClose", {
      textDocument: { uri: uriOf(path) },
    });
  }

  request<R>(method: string, params: object): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  /** Resolves with the diagnostics of `path` once a publication satisfies `ok`. */
  async diagnosticsFor(
    path: string,
    ok: (ds: Diagnostic[]) => boolean,
    timeoutMs = 20_000,
  ): Promise<Diagnostic[]> {
    const uri = uriOf(path);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = this.diagnostics.get(uri);
      if (now && ok(now)) return now;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching diagnostics for ${path}; last: ${JSON.stringify(now)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async shutdown(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) =>
      this.child.on("exit", (code) => resolve(code)),
    );
    try {
      await this.connection.sendRequest("shutdown");
      await this.connection.sendNotification("exit");
    } catch {
      this.child.kill();
    }
    const code = await exited;
    this.connection.dispose();
    return code;
  }
}
