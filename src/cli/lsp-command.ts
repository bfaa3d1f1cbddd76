/** `vcm lsp --stdio`: the language server (src/lsp/), speaking LSP over standard input/output. */
import { Command } from "commander";
import type { FormatVcm } from "../lsp/formatting.js";
import { UsageError } from "./exit.js";

/**
 * The formatter of `vcm fmt` (src/format/), when this build has one: document formatting is
 * offered only then. The module is looked up at run time so the server builds without it.
 */
async function loadFormatter(): Promise<FormatVcm | undefined> {
  const specifier = "../format/index.js";
  try {
    const module = (await import(specifier)) as { formatVcm?: unknown };
    return typeof module.formatVcm === "function" ? (module.formatVcm as FormatVcm) : undefined;
  } catch {
    return undefined;
  }
}

export function registerLspCommand(program: Command): void {
  program
    .command("lsp")
    .description("run the language server (diagnostics, hover, completion, ...) for editors")
    .option("--stdio", "talk LSP over standard input and output (the only transport)")
    .addHelpText("after", "\nSettings, capabilities and editor setup: docs/LSP.md.")
    .action(async (options: { stdio?: boolean }) => {
      if (!options.stdio) throw new UsageError("lsp: pass --stdio (the only transport)");
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
      startLanguageServer(connection, { formatter: await loadFormatter() });
      // Keep serving until the client sends `exit` (the connection ends the process then).
      await new Promise<never>(() => {});
    });
}
