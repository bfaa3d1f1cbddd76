/**
 * The `vcm` command line. Exit codes: the one table in ./exit.ts (0 ok, 1 errors or a failed
 * proof, 2 usage or unreadable input, 3 internal error). Results go to stdout, diagnostics and
 * messages to stderr. Bad input never prints a stack trace; VCM_DEBUG=1 shows one for an
 * internal error.
 */
import { Command, CommanderError } from "commander";
import { VCM_VERSION } from "../version.js";
import { EXIT_INTERNAL, EXIT_USAGE, exitCodesHelp, UsageError } from "./exit.js";

type Register = (program: Command) => void;

/**
 * Each command group's module, imported only when needed: `vcm check` never loads the pictures
 * (elkjs) or the conformance kit (fast-check), `vcm --version` loads none of them (start-up is
 * most of the time of a small command: issue 14). Order is the order of `vcm help`.
 */
const GROUPS: readonly { commands: readonly string[]; load(): Promise<Register> }[] = [
  {
    commands: ["check"],
    load: async () => (await import("./check-command.js")).registerCheckCommand,
  },
  {
    commands: ["compile"],
    load: async () => (await import("./compile-command.js")).registerCompileCommand,
  },
  {
    commands: ["run", "explain"],
    load: async () => (await import("./run-commands.js")).registerRunCommands,
  },
  {
    commands: ["graph", "layout"],
    load: async () => (await import("./picture-commands.js")).registerPictureCommands,
  },
  {
    commands: ["plugins", "plugin-init", "plugin-test"],
    load: async () => (await import("./plugin-commands.js")).registerPluginCommands,
  },
  {
    commands: ["import-dt"],
    load: async () => (await import("./import-dt-command.js")).registerImportDtCommand,
  },
  {
    commands: ["diff"],
    load: async () => (await import("./diff-command.js")).registerDiffCommand,
  },
  {
    commands: ["fmt"],
    load: async () => (await import("./fmt-command.js")).registerFmtCommand,
  },
  {
    commands: ["lsp"],
    load: async () => (await import("./lsp-command.js")).registerLspCommand,
  },
];

/** Every command a group registers (a test keeps this equal to what the groups register). */
export const LAZY_COMMANDS: readonly string[] = GROUPS.flatMap((g) => g.commands);

/** The command `argv` runs, when it names one (no command, `help` and `-h` need them all). */
function invokedCommand(argv: readonly string[]): string | undefined {
  const first = argv[0];
  if (first === undefined || first.startsWith("-") || first === "help") return undefined;
  return first;
}

/**
 * The program with the command groups `argv` needs: the one naming its command, or every group
 * (help, no command, an unknown command: commander then lists or suggests from all of them).
 * `--version` alone needs none.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = baseProgram();
  if (argv && argv.length === 1 && (argv[0] === "-V" || argv[0] === "--version")) return program;
  const command = argv ? invokedCommand(argv) : undefined;
  const group =
    command === undefined ? undefined : GROUPS.find((g) => g.commands.includes(command));
  for (const g of group ? [group] : GROUPS) (await g.load())(program);
  return program;
}

function baseProgram(): Command {
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
  return program;
}

export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
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
