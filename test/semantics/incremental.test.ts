/**
 * Incremental resolution (src/semantics/incremental.ts) equals resolution from scratch: random
 * edit sequences over every sample (one with an imported file), each step resolved both ways,
 * the IR and the diagnostics compared with every span in full (offsets, lines and columns).
 * The edits favour `map` and `expect` lines, where the declarations are reused; others resolve
 * everything again. FUZZ_RUNS raises the number of sequences.
 */
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { spanToPlain, type Span } from "../../src/diagnostics/span.js";
import { builtinRegistry } from "../../src/plugin-host/builtins.js";
import { IncrementalResolver, type Reuse } from "../../src/semantics/incremental.js";
import { resolve, type ResolveResult } from "../../src/semantics/resolve.js";
import type { SourceFile } from "../../src/syntax/ast.js";
import { parseSource } from "../../src/syntax/parse.js";
import { MAX_SUGGESTIONS } from "../../src/diagnostics/suggest.js";
import { mutate, rng } from "../fuzz/mutate.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 40);
const registry = builtinRegistry();
const IDENTITY = ["built-ins"];

/** Each sample as its files (name, text); video-pipeline imports common/arm-soc.vcm. */
const PROJECTS: { name: string; text: string }[][] = readdirSync("samples")
  .filter((f) => f.endsWith(".vcm"))
  .sort()
  .map((f) => {
    const files = [{ name: f, text: readFileSync(`samples/${f}`, "utf8") }];
    for (const m of files[0]!.text.matchAll(/^import "(.*)"/gm))
      files.push({ name: m[1]!, text: readFileSync(`samples/${m[1]}`, "utf8") });
    return files;
  });

function isSpan(v: object): v is Span {
  const s = v as Partial<Span>;
  return typeof s.file === "string" && typeof s.offset === "number" && typeof s.line === "number";
}

/** A comparable copy: spans in full, bigints as strings. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return `${value}n`;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value !== "object" || value === null) return value;
  if (isSpan(value)) return spanToPlain(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plain(v);
  return out;
}

const result = (r: ResolveResult) => ({
  ir: plain(r.ir),
  diagnostics: r.diagnostics.map((d: Diagnostic) => plain(d)),
});

/** One edit: which file, what to do, where (indices wrap around). */
const edit = fc.record({
  file: fc.nat(),
  where: fc.constantFrom("use", "use", "use", "any", "mutate"),
  op: fc.constantFrom("insert", "delete", "duplicate", "drop"),
  line: fc.nat(),
  column: fc.nat(),
  seed: fc.nat(),
});

type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

function applyEdit(text: string, e: Edit): string {
  if (e.where === "mutate") return mutate(text, rng(e.seed));
  const lines = text.split("\n");
  const uses = lines.flatMap((l, i) => (/^\s*(map|expect)\b/.test(l) ? [i] : []));
  const candidates = e.where === "use" && uses.length > 0 ? uses : lines.map((_, i) => i);
  const i = candidates[e.line % candidates.length]!;
  const line = lines[i]!;
  const at = e.column % (line.length + 1);
  switch (e.op) {
    case "insert":
      lines[i] = line.slice(0, at) + "x" + line.slice(at);
      break;
    case "delete":
      lines[i] = line.slice(0, at) + line.slice(at + 1);
      break;
    case "duplicate":
      lines.splice(i, 0, line);
      break;
    case "drop":
      lines.splice(i, 1);
  }
  return lines.join("\n");
}

describe("incremental resolution", () => {
  it("equals resolution from scratch over random edit sequences", () => {
    const reused = new Map<Reuse, number>();
    fc.assert(
      fc.property(
        fc.nat(PROJECTS.length - 1),
        fc.array(edit, { minLength: 1, maxLength: 8 }),
        (project, edits) => {
          const texts = PROJECTS[project]!.map((f) => ({ ...f }));
          // A file not edited keeps its parse, as the language server's parse cache does.
          const parsed = texts.map((f) => parseSource(f.text, f.name).ast);
          const resolver = new IncrementalResolver();
          const step = () => {
            const files: SourceFile[] = [...parsed];
            const incremental = resolver.resolve(files, registry, IDENTITY);
            reused.set(resolver.reused, (reused.get(resolver.reused) ?? 0) + 1);
            expect(result(incremental)).toEqual(result(resolve(files, registry)));
          };
          step();
          for (const e of edits) {
            const f = e.file % texts.length;
            texts[f]!.text = applyEdit(texts[f]!.text, e);
            parsed[f] = parseSource(texts[f]!.text, texts[f]!.name).ast;
            step();
            if (e.seed % 3 === 0) step(); // the same text again (the full check after a cheap one)
          }
        },
      ),
      { numRuns: RUNS },
    );
    // Each path was taken, so the comparison covered the reuse of declarations and of all.
    expect(reused.get("declarations")).toBeGreaterThan(0);
    expect(reused.get("everything")).toBeGreaterThan(0);
    expect(reused.get("nothing")).toBeGreaterThan(0);
  });

  it("reuses the declarations for an edit of a map line that moves no declaration", () => {
    const text = readFileSync("samples/reservations.vcm", "utf8");
    const resolver = new IncrementalResolver();
    const run = (t: string) => {
      resolver.resolve([parseSource(t, "r.vcm").ast], registry, IDENTITY);
      return resolver.reused;
    };
    expect(run(text)).toBe("nothing");
    expect(run(text)).toBe("everything");
    // A character changed in a map line: every declaration stays where it was.
    expect(run(text.replace("frames + 8M rw", "frames + 9M rw"))).toBe("declarations");
    // One inserted there moves the scenario after it: everything is resolved again.
    expect(run(text.replace("frames + 8M rw", "frames + 16M rw"))).toBe("nothing");
    // Appended at the end, after every declaration: reused.
    run(text);
    expect(run(text + "map bitstream -> frames rw\n")).toBe("declarations");
    // A buffer changed: nothing reused.
    run(text);
    expect(run(text.replace("bitstream in ddr size 1M", "bitstream in ddr size 2M"))).toBe(
      "nothing",
    );
    // Other plugins: nothing reused.
    resolver.resolve([parseSource(text, "r.vcm").ast], registry, ["others"]);
    expect(resolver.reused).toBe("nothing");
  });

  it("gives the same suggestions past the budget for unresolved names (restored per resolution)", () => {
    const head =
      "topology t\nmemory ddr 0x8000_0000 .. +1G ram\npool tables in ddr[0 .. +16M]\n" +
      "iommu smmu : arm-lpae { stage 1 }\ndevice dev behind smmu\n" +
      "domain dom on smmu { attach dev }\nbuffer buf in ddr size 4K\n";
    const maps = (n: number) =>
      Array.from({ length: n }, (_, i) => `map buf -> dom${i} rw\n`).join("");
    const resolver = new IncrementalResolver();
    for (const text of [head + maps(MAX_SUGGESTIONS + 5), head + maps(MAX_SUGGESTIONS + 6)]) {
      const files = [parseSource(text, "t.vcm").ast];
      const incremental = resolver.resolve(files, registry, IDENTITY);
      expect(result(incremental)).toEqual(result(resolve(files, registry)));
    }
    expect(resolver.reused).toBe("declarations");
  });
});
