import { expect, test } from "vitest";
import { buildProgram, LAZY_COMMANDS } from "../../src/cli/program.js";

const names = (p: Awaited<ReturnType<typeof buildProgram>>) => p.commands.map((c) => c.name());

test("the lazily loaded groups name exactly the commands they register", async () => {
  expect([...names(await buildProgram())].sort()).toEqual([...LAZY_COMMANDS].sort());
});

test("a command loads its own group only; help, unknown commands and no command load all", async () => {
  for (const command of LAZY_COMMANDS) {
    const loaded = names(await buildProgram([command, "x.vcm"]));
    expect(loaded).toContain(command);
    expect(loaded.length).toBeLessThanOrEqual(3);
  }
  for (const argv of [[], ["help"], ["--help"], ["chek"]]) {
    expect(names(await buildProgram(argv))).toEqual(LAZY_COMMANDS);
  }
  expect(names(await buildProgram(["--version"]))).toEqual([]);
});
