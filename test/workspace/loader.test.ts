import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { loadWorkspace } from "../../src/workspace/loader.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function project(files: Record<string, string>): string {
  dir = mkdtempSync(join(tmpdir(), "vcm-loader-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

test("imports load depth-first, a diamond once, and a cycle is VCM0016 naming the chain", () => {
  const root = project({
    "main.vcm": 'topology t\nimport "a.vcm"\nimport "b.vcm"\n',
    "a.vcm": 'import "c.vcm"\n',
    "b.vcm": 'import "c.vcm"\nimport "main.vcm"\n',
    "c.vcm": "const x = 1\n",
  });
  const ws = loadWorkspace("main.vcm", root);
  expect(ws.files.map((f) => f.file)).toEqual(["main.vcm", "a.vcm", "c.vcm", "b.vcm"]);
  expect(ws.diagnostics.map((d) => [d.code, d.message, d.span?.file, d.span?.line])).toEqual([
    ["VCM0016", "import cycle: main.vcm -> b.vcm -> main.vcm", "b.vcm", 2],
  ]);
});

test("an import chain 8,000 files deep loads without overflowing the stack", () => {
  const depth = 8_000;
  const files: Record<string, string> = { "main.vcm": 'topology t\nimport "f0.vcm"\n' };
  for (let i = 0; i < depth; i++) {
    files[`f${i}.vcm`] = i + 1 < depth ? `import "f${i + 1}.vcm"\n` : "const last = 1\n";
  }
  const ws = loadWorkspace("main.vcm", project(files));
  expect(ws.diagnostics).toEqual([]);
  expect(ws.files).toHaveLength(depth + 1);
  expect(ws.files.at(-1)!.file).toBe(`f${depth - 1}.vcm`);
});
