/**
 * The `vcm` command line. Exit codes: 0 clean / proved, 1 diagnostics with errors (or a failed
 * proof), 2 usage or unreadable input. Bad input never prints a stack trace; VCM_DEBUG=1 shows
 * one for an internal error.
 */
import { Command, CommanderError } from "commander";
import { VCM_VERSION } from "../version.js";
import { registerCheckCommand } from "./check-command.js";
import { registerCompileCommand } from "./compile-command.js";
import { registerRunCommands } from "./run-commands.js";
import { registerPictureCommands } from "./picture-commands.js";
import { registerPluginCommands } from "./plugin-commands.js";
import { registerImportDtCommand } from "./import-dt-command.js";
import { registerDiffCommand } from "./diff-command.js";
import { registerFmtCommand } from "./fmt-command.js";
import { EXIT_USAGE, UsageError } from "./exit.js";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("vcm")
    .description(
      "Declare memory-mapping topologies (MMUs, IOMMUs, DMA engines), lower them to real page\n" +
        "tables through driver plugins, and prove every endpoint sees exactly the intended memory.",
    )
    .version(VCM_VERSION, "-V, --version")
    .showHelpAfterError("(run 'vcm help' or 'vcm COMMAND --help' for usage)")
    .exitOverride();
  registerCheckCommand(program);
  registerCompileCommand(program);
  registerRunCommands(program);
  registerPictureCommands(program);
  registerPluginCommands(program);
  registerImportDtCommand(program);
  registerDiffCommand(program);
  registerFmtCommand(program);
  return program;
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version also end here, with exit code 0.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`vcm: ${error.message}\n`);
      return EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`vcm: internal error: ${message}\n`);
    if (process.env.VCM_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return EXIT_USAGE;
  }
}
