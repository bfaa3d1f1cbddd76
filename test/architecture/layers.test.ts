/**
 * The layer rules of docs/ARCHITECTURE.md, enforced with dependency-cruiser and the repository's
 * .dependency-cruiser.cjs: no folder imports one above it (so no folder cycle), plugins import
 * only the public plugin API, and the plugin API does not import the IR.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import { afterAll, describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const config = createRequire(import.meta.url)(join(root, ".dependency-cruiser.cjs"));

/** The violations dependency-cruiser finds in `dirs` under `baseDir`, as "rule: from -> to". */
async function violations(baseDir: string, dirs: string[]): Promise<string[]> {
  const options = {
    ...config.options,
    baseDir,
    // `validate` makes cruise apply the rule set (without it, nothing is ever a violation).
    validate: true,
    ruleSet: { forbidden: config.forbidden },
  };
  const result = await cruise(dirs, options);
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

describe("layers", () => {
  test("the source tree keeps them", async () => {
    const found = await violations(root, ["src", "plugins", "bench"]);
    expect(found).toEqual([]);
  }, 120_000);

  const scratch = mkdtempSync(join(tmpdir(), "vcm-layers-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(join(scratch, path, ".."), { recursive: true });
    writeFileSync(join(scratch, path), text);
  };

  test("the rules find an upward import, a plugin reaching past the API, the API reaching the IR", async () => {
    write("src/cli/main.ts", "export const x = 1;\n");
    write("src/syntax/parse.ts", 'import { x } from "../cli/main.js";\nexport const y = x;\n');
    write("src/lowering/session.ts", "export const s = 1;\n");
    write("src/ir/json.ts", "export const t = 1;\n");
    write("src/plugin-api/types.ts", 'import { t } from "../ir/json.js";\nexport const u = t;\n');
    write(
      "plugins/a/index.ts",
      'import { s } from "../../src/lowering/session.js";\nexport const a = s;\n',
    );
    write("plugins/b/index.ts", 'import { a } from "../a/index.js";\nexport const b = a;\n');
    const found = await violations(scratch, ["src", "plugins"]);
    expect(found).toEqual(
      expect.arrayContaining([
        "layer-syntax: src/syntax/parse.ts -> src/cli/main.ts",
        "plugin-api-without-ir: src/plugin-api/types.ts -> src/ir/json.ts",
        "plugins-use-public-api: plugins/a/index.ts -> src/lowering/session.ts",
        "plugins-stay-apart: plugins/b/index.ts -> plugins/a/index.ts",
      ]),
    );
  }, 120_000);
});
