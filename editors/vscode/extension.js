// The VCM extension: starts the VCM language server (`vcm lsp --stdio`) for `.vcm` files through
// vscode-languageclient. Which `vcm`: the `vcm.server.path` setting, else the workspace's
// node_modules/.bin/vcm, else `vcm` on the PATH. Plain CommonJS, so there is no build step.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

/** @type {import("vscode-languageclient/node").LanguageClient | undefined} */
let client;

/**
 * How to start the server: a Node module (`bin/vcm.js`, run by VS Code's own Node) or an
 * executable. `folders` are the workspace folders' paths, `configured` the setting.
 * @param {string} configured
 * @param {readonly string[]} folders
 * @param {readonly string[]} extraArgs
 */
function serverOptions(configured, folders, extraArgs) {
  const args = ["lsp", ...extraArgs];
  const candidates = [];
  if (configured) {
    if (path.isAbsolute(configured)) candidates.push(configured);
    else for (const f of folders) candidates.push(path.resolve(f, configured));
  } else {
    for (const f of folders) candidates.push(path.join(f, "node_modules", ".bin", "vcm"));
  }
  for (const candidate of candidates) {
    if (!fs.existsSync(candidate)) continue;
    // node_modules/.bin/vcm is a link to the package's bin/vcm.js: run that with Node.
    const real = fs.realpathSync(candidate);
    if (real.endsWith(".js") || real.endsWith(".mjs") || real.endsWith(".cjs")) {
      // The client adds `--stdio` for TransportKind.stdio.
      return { module: real, args, transport: TransportKind.stdio };
    }
    return { command: real, args: [...args, "--stdio"], transport: TransportKind.stdio };
  }
  if (configured) {
    throw new Error(`vcm.server.path '${configured}' was not found`);
  }
  return { command: "vcm", args: [...args, "--stdio"], transport: TransportKind.stdio };
}

/** @param {import("vscode").ExtensionContext} context */
async function activate(context) {
  const output = vscode.window.createOutputChannel("VCM");
  context.subscriptions.push(output);

  const start = async () => {
    const config = vscode.workspace.getConfiguration("vcm");
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    let server;
    try {
      server = serverOptions(
        config.get("server.path", ""),
        folders,
        config.get("server.extraArgs", []),
      );
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      output.appendLine(message);
      void vscode.window.showErrorMessage(`VCM: ${message}`);
      return;
    }
    output.appendLine(
      `starting ${"module" in server ? server.module : server.command} ${server.args.join(" ")}`,
    );
    client = new LanguageClient("vcm", "VCM Language Server", server, {
      documentSelector: [
        { scheme: "file", language: "vcm" },
        { scheme: "untitled", language: "vcm" },
      ],
      synchronize: {
        // Imports and the project configuration change what a file means.
        fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.vcm,vcm.config.json}"),
      },
      outputChannel: output,
    });
    try {
      await client.start();
    } catch (e) {
      // Keep the extension alive: fixing the setting or the install and restarting is enough.
      const message = e instanceof Error ? e.message : String(e);
      output.appendLine(`the language server did not start: ${message}`);
      void vscode.window.showErrorMessage(`VCM: the language server did not start: ${message}`);
    }
  };

  context.subscriptions.push(
    vscode.commands.registerCommand("vcm.restartServer", async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("vcm.server")) {
        await stop();
        await start();
      }
    }),
  );
  await start();
  return { client: () => client };
}

async function stop() {
  const running = client;
  client = undefined;
  if (!running) return;
  try {
    await running.stop();
  } catch {
    // A client whose start failed cannot be stopped; there is nothing left to stop.
  }
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate, serverOptions };
