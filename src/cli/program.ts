/**
 * The `vcm` command line. Exit codes: the one table in ./exit.ts (0 ok, 1 errors or a failed
 * proof, 2 usage or unreadable input, 3 internal error). Results go to stdout, diagnostics and
 * messages to stderr. Bad input never prints a stack trace; VCM_DEBUG=1 shows one for an
 * internal error.
 */
import { Command, CommanderError } from "commander";
import { VCM_VERSION } from "../version.js";
import { registerCheckCommand } from "./check-command.js";
import { registerCompileCommand } from "./compile-command.js";
import { registerRunCommands } from "./run-commands.js";
import { registerPictureCommands } from "./picture-commands.js";
import { registerPluginCommands } from "./plugin-commands.js";
import { EXIT_INTERNAL, EXIT_USAGE, exitCodesHelp, UsageError } from "./exit.js";

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("vcm")
    .description(
      "Declare memory-mapping topologies (MMUs, IOMMUs, DMA engines), lower them to real page " +
        "tables through driver plugins, and prove every endpoint sees exactly the intended memory.",
    )
    .version(VCM_VERSION, "-V, --version")
    .showHelpAfterError("(run 'vcm help' or 'vcm COMMAND --help' for usage)")
    .showSuggestionAfterError(true)
    .configureOutput({
      // One prefix for usage errors: `vcm: error: ...` (commander's own start with "error: ").
      writeErr: (text) => process.stderr.write(text.replace(/^error: /, "vcm: error: ")),
    })
    // Commands by name only (their arguments are in `vcm COMMAND --help`), so the description
    // column keeps room and wraps cleanly on a narrow terminal.
    .configureHelp({ subcommandTerm: (command) => command.name() })
    .addHelpText("after", exitCodesHelp())
    .exitOverride();
  registerCheckCommand(program);
  registerCompileCommand(program);
  registerRunCommands(program);
  registerPictureCommands(program);
  registerPluginCommands(program);
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
      process.stderr.write(`vcm: error: ${error.message}\n`);
      return EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`vcm: internal error: ${message}\n`);
    if (process.env.VCM_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return EXIT_INTERNAL;
  }
}
