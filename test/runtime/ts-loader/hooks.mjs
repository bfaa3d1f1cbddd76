// Module hooks for running the TypeScript sources in a plain Node worker: `./x.js` imported from
// a `.ts` file resolves to `./x.ts` (the NodeNext convention), and `.ts` files are transpiled
// with the project's own TypeScript. Transpiled text is cached on disk by content hash, so only
// the first worker of a test run pays for loading the compiler.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { threadId } from "node:worker_threads";

const CACHE = join(tmpdir(), "vcm-ts-loader-cache");
let ts;

export async function resolve(specifier, context, next) {
  if (
    context.parentURL?.endsWith(".ts") &&
    specifier.startsWith(".") &&
    specifier.endsWith(".js")
  ) {
    const url = new URL(specifier.slice(0, -3) + ".ts", context.parentURL);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const text = readFileSync(fileURLToPath(url), "utf8");
  const hash = createHash("sha256").update(url).update("\0").update(text).digest("hex");
  const cached = join(CACHE, hash + ".js");
  if (existsSync(cached)) {
    return { format: "module", source: readFileSync(cached, "utf8"), shortCircuit: true };
  }
  ts ??= (await import("typescript")).default;
  const out = ts.transpileModule(text, {
    fileName: fileURLToPath(url),
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      sourceMap: false,
    },
  }).outputText;
  mkdirSync(CACHE, { recursive: true });
  // Write, then rename: workers started together must never read a half-written file.
  const partial = `${cached}.${process.pid}.${threadId}.tmp`;
  writeFileSync(partial, out);
  renameSync(partial, cached);
  return { format: "module", source: out, shortCircuit: true };
}
