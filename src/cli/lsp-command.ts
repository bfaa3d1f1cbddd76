/** `vcm lsp --stdio`: the language server (src/lsp/), speaking LSP over standard input/output. */
import { isAbsolute, resolve as resolvePath } from "node:path";
import { Command, Option } from "commander";
import type { FormatVcm } from "../lsp/formatting.js";
import { UsageError, collect } from "./exit.js";
import {
  noConfigOption,
  projectOptions,
  rootOption,
  type ProjectFlags,
} from "./project-options.js";

/**
 * The formatter of `vcm fmt` (src/format/: `formatVcm(text)`, which throws on a syntax error),
 * when this build has one: document formatting is offered only then. The module is looked up at
 * run time so the server builds and runs without it.
 */
async function loadFormatter(): Promise<FormatVcm | undefined> {
  const specifier = "../format/index.js";
  let format: unknown;
  try {
    format = ((await import(specifier)) as { formatVcm?: unknown }).formatVcm;
  } catch {
    return undefined;
  }
  if (typeof format !== "function") return undefined;
  return (text: string) => {
    try {
      const out: unknown = format(text);
      return typeof out === "string" ? out : undefined;
    } catch {
      // A file that does not parse is not formatted (its diagnostics say why).
      return undefined;
    }
  };
}

interface LspOptions extends ProjectFlags {
  stdio?: boolean;
}

export function registerLspCommand(program: Command): void {
  program
    .command("lsp")
    .description("run the language server (diagnostics, hover, completion, ...) for editors")
    .option("--stdio", "talk LSP over standard input and output (the only transport)")
    .option("--plugin <module>", "trust a third-party driver plugin, as for check", collect, [])
    .addOption(rootOption())
    .addOption(noConfigOption())
    // vscode-languageclient adds it when it starts a node module; the protocol library reads it
    // (it ends the server when that process is gone).
    .addOption(new Option("--clientProcessId <pid>", "the client's process id").hideHelp())
    .addHelpText("after", "\nSettings, capabilities and editor setup: docs/LSP.md.")
    .action(async (options: LspOptions) => {
      if (!options.stdio) throw new UsageError("lsp: pass --stdio (the only transport)");
      const project = projectOptions(options);
      const fromHere = (p: string) => (isAbsolute(p) ? p : resolvePath(p));
      // Loaded here, so other commands never load the protocol library.
      const { createConnection, ProposedFeatures } = await import("vscode-languageserver/node.js");
      const { startLanguageServer } = await import("../lsp/server.js");
      const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
      // Standard output is the protocol: anything that escapes the handlers goes to the client's
      // log, and the server keeps serving.
      const report = (error: unknown) =>
        connection.console.error(
          `vcm: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      process.on("uncaughtException", report);
      process.on("unhandledRejection", report);
      startLanguageServer(connection, {
        formatter: await loadFormatter(),
        trust: {
          // Paths on the command line are relative to where the server was started.
          plugins: (project.plugins ?? []).map((p) => (p.startsWith(".") ? fromHere(p) : p)),
          config: project.config !== false,
          ...(project.root !== undefined ? { root: fromHere(project.root) } : {}),
        },
      });
      // Serves until the client sends `exit` (the connection ends the process then).
      await new Promise<never>(() => {});
    });
}
