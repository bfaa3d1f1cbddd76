/** `vcm lsp --stdio`: the language server (src/lsp/), speaking LSP over standard input/output. */
import { isAbsolute, resolve as resolvePath } from "node:path";
import { Command, Option } from "commander";
import type { FormatVcm } from "../lsp/formatting.js";
import { UsageError, collect, exitCodesHelp } from "./exit.js";
import {
  noConfigOption,
  projectOptions,
  rootOption,
  type ProjectFlags,
} from "./project-options.js";

/**
 * The formatter of `vcm fmt` (src/format/: `formatVcm(text)`, which throws on a syntax error) as
 * the server's formatting function: a file that does not parse is left alone.
 */
async function loadFormatter(): Promise<FormatVcm> {
  const { formatVcm } = await import("../format/index.js");
  return (text: string) => {
    try {
      return formatVcm(text);
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
    .addHelpText(
      "after",
      "\nSettings, capabilities and editor setup: docs/LSP.md.\n" + exitCodesHelp(),
    )
    .action(async (options: LspOptions) => {
      if (!options.stdio) throw new UsageError("lsp: pass --stdio (the only transport)");
      const project = projectOptions(options);
      const fromHere = (p: string) => (isAbsolute(p) ? p : resolvePath(p));
      // Loaded here, so other commands never load the protocol library.
      const loaded = await import("vscode-languageserver/node.js");
      // A CommonJS package: bundled (tools/bundle-cli.mjs), its exports may sit under `default`.
      const { createConnection, ProposedFeatures } =
        "createConnection" in loaded ? loaded : (loaded as { default: typeof loaded }).default;
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
