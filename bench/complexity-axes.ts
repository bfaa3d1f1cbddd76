/**
 * The growth axes of the complexity bench (issue 17): each axis makes a topology (one or more
 * files) of size n, and `measurePhases` runs the pipeline on it phase by phase (parse = read,
 * lex and parse with recovery, imports; check = resolve, checks and suggestions; lower; prove;
 * print). The bench
 * times n and 4n on every axis; the quick test in `npm test` (test/bench/complexity.test.ts)
 * grows all axes at once by 8x. Cost must grow linearly: n -> 4n should take about 4x.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { formatJson } from "../src/diagnostics/printers/json.js";
import { formatText } from "../src/diagnostics/printers/text.js";
import { checkTopology } from "../src/pipeline/check-topology.js";
import { compileTopology } from "../src/pipeline/compile-topology.js";
import { runTopology } from "../src/pipeline/run-topology.js";
import { runReportJson } from "../src/runtime/report-json.js";
import { runReportText } from "../src/runtime/report-text.js";
import { evaluateExpect } from "../src/runtime/expects.js";
import { startRun } from "../src/runtime/verify.js";
import { loadWorkspace } from "../src/workspace/loader.js";
import { generateTopology } from "./generate-topology.js";

export type Phase = "parse" | "check" | "lower" | "prove" | "print";

export const PHASES: readonly Phase[] = ["parse", "check", "lower", "prove", "print"];

export interface Axis {
  name: string;
  /** What grows with n. */
  what: string;
  /** n for the bench (its 4n is timed too). */
  n: number;
  /** The files of a topology of size n; the first is the root. */
  files(n: number): Map<string, string>;
  /** The phases that see the growth (the others are skipped). */
  phases: readonly Phase[];
}

const HEADER = [
  "topology t",
  "memory ddr 0x1_0000_0000 .. +64G ram",
  "memory sram 0x1000_0000 .. +1G ram",
  "memory ptmem 0x40_0000_0000 .. +1G ram",
  "pool tables in ptmem[0 .. +512M]",
  "iommu smmu : arm-lpae { stage 1; granule 4K; ias 48; oas 48 }",
  "device dev behind smmu stream 1",
  "domain d on smmu { type dma; aperture 0 .. +256G; attach dev }",
];

const one = (lines: readonly string[]) =>
  new Map([["main.vcm", [...HEADER, ...lines].join("\n") + "\n"]]);

function times<T>(n: number, f: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

/** A name of exactly `length` characters, hyphenated as fuzzed names were. */
function longName(length: number, seed: string): string {
  let s = seed;
  while (s.length < length) s += "-" + seed;
  return s.slice(0, length).replace(/-$/, "x");
}

export const AXES: readonly Axis[] = [
  {
    name: "statements",
    what: "statements of the bench generator (devices, domains, buffers, maps, expects)",
    n: 4_000,
    files: (n) => new Map([["main.vcm", generateTopology(n)]]),
    phases: ["parse", "check", "lower", "prove", "print"],
  },
  {
    name: "comment-lines",
    what: "lines of comments (lexing only)",
    n: 20_000,
    files: (n) => one(times(n, (i) => `// comment line ${i} with some words in it /* and more */`)),
    phases: ["parse", "check"],
  },
  {
    name: "name-length",
    what: "characters of two long names, an invalid character between (the fuzzed 400 KB case)",
    n: 100_000,
    files: (n) =>
      one([
        `memory ${longName(n, "alpha-beta")} 0x2_0000_0000 .. +4K ram`,
        `memory ${longName(n, "alpha-beta")}x$ ${longName((3 * n) >> 2, "gamma-delta")} 0x3_0000_0000 .. +4K ram`,
        `buffer b in ${longName(n, "alpha-betx")} size 4K`,
      ]),
    phases: ["parse", "check", "print"],
  },
  {
    name: "names",
    what: "declared names, each referenced once",
    n: 4_000,
    files: (n) => one(times(n, (i) => `const c${i} = ${i} + 1\nconst u${i} = c${i} * 2`)),
    phases: ["parse", "check"],
  },
  {
    name: "suggestions",
    what: "misspelled references among as many similar names (did-you-mean, capped output)",
    n: 1_000,
    files: (n) =>
      one([
        ...times(n, (i) => `const value_${i} = ${i}`),
        ...times(n, (i) => `const use_${i} = valeu_${i}`),
      ]),
    phases: ["parse", "check", "print"],
  },
  {
    name: "buffers",
    what: "buffers placed in one region",
    n: 4_000,
    files: (n) => one(times(n, (i) => `buffer b${i} in ddr size 64K`)),
    phases: ["parse", "check", "lower"],
  },
  {
    name: "maps-per-domain",
    what: "buffers each mapped at auto into one domain",
    n: 2_000,
    files: (n) => one(times(n, (i) => `buffer b${i} in ddr size 64K\nmap b${i} -> d at auto rw`)),
    phases: ["parse", "check", "lower", "prove"],
  },
  {
    name: "array-elements",
    what: "elements of one buffer array, mapped and expected with [*]",
    n: 4_000,
    files: (n) =>
      one([
        `buffer frame[${n}] in ddr size 16K`,
        "map frame[*] -> d at auto rw",
        "expect dev writes frame[*]",
      ]),
    phases: ["parse", "check", "lower", "prove", "print"],
  },
  {
    name: "chunks-per-map",
    what: "chunks of one scatter-gather buffer, mapped into one contiguous IOVA range",
    n: 2_000,
    files: (n) => chunkedTopology(n),
    phases: ["parse", "check", "lower", "prove"],
  },
  {
    name: "expression-terms",
    what: "terms of one constant expression, and nesting of parentheses up to the limit",
    n: 20_000,
    files: (n) =>
      one([
        `const big = ${times(n, () => "1").join(" + ")}`,
        `const deep = ${"(".repeat(Math.min(200, n >> 7))}1${")".repeat(Math.min(200, n >> 7))}`,
      ]),
    phases: ["parse", "check"],
  },
  {
    name: "expects",
    what: "expect lines on one endpoint",
    n: 8_000,
    files: (n) =>
      one([
        "buffer frame[64] in ddr size 16K",
        "map frame[*] -> d at auto rw",
        ...times(n, (i) => `expect dev ${i % 2 ? "reads" : "writes"} frame[${i % 64}]`),
      ]),
    phases: ["parse", "check", "prove", "print"],
  },
  {
    name: "scenario-steps",
    what: "steps of one scenario (migrations back and forth, each re-proved)",
    n: 400,
    files: (n) =>
      one([
        "buffer a in ddr size 64K",
        "map a -> d at auto rw",
        "scenario moves {",
        ...times(n, (i) => `  migrate a to ${i % 2 ? "ddr" : "sram"}`),
        "}",
      ]),
    phases: ["parse", "check", "prove"],
  },
  {
    name: "import-fan-out",
    what: "files imported by the root, each declaring a buffer",
    n: 200,
    files: (n) => {
      const files = new Map<string, string>();
      files.set(
        "main.vcm",
        [...HEADER, ...times(n, (i) => `import "lib/f${i}.vcm"`)].join("\n") + "\n",
      );
      for (let i = 0; i < n; i++) files.set(`lib/f${i}.vcm`, `buffer b${i} in ddr size 64K\n`);
      return files;
    },
    phases: ["parse", "check"],
  },
  {
    name: "import-depth",
    what: "files in one import chain",
    n: 200,
    files: (n) => {
      const files = new Map<string, string>();
      files.set("main.vcm", [...HEADER, `import "f0.vcm"`].join("\n") + "\n");
      for (let i = 0; i < n; i++) {
        const next = i + 1 < n ? `import "f${i + 1}.vcm"\n` : "";
        files.set(`f${i}.vcm`, `${next}buffer b${i} in ddr size 64K\n`);
      }
      return files;
    },
    phases: ["parse", "check"],
  },
  {
    name: "diagnostics",
    what: "lines with an unresolved name each (past the 1000 cap: counted, not printed)",
    n: 2_000,
    files: (n) => one(times(n, (i) => `buffer b${i} in nowhere${i} size 4K`)),
    phases: ["parse", "check", "print"],
  },
  {
    name: "syntax-errors",
    what: "lines of broken syntax (parsing with recovery)",
    n: 4_000,
    files: (n) => one(times(n, (i) => `buffer b${i} in ddr size ) 4K ]] map -> ->`)),
    phases: ["parse", "check", "print"],
  },
];

/** Seconds per phase for one topology (phases not asked for are 0). */
export type PhaseTimes = Record<Phase, number>;

/** A clock: CPU seconds of this process (less sensitive to other processes than wall time). */
export type Clock = () => number;

export const cpuClock: Clock = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export const wallClock: Clock = () => Number(process.hrtime.bigint()) / 1e9;

/** Write `files` under a fresh directory; returns the root file and a cleanup. */
export function writeTopology(files: Map<string, string>): { root: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "vcm-complexity-"));
  for (const [name, text] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return {
    root: join(dir, [...files.keys()][0]!),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Run the phases on `root`, timing each with `clock`. */
export async function measurePhases(
  root: string,
  phases: readonly Phase[],
  clock: Clock = wallClock,
): Promise<PhaseTimes> {
  const t: PhaseTimes = { parse: 0, check: 0, lower: 0, prove: 0, print: 0 };
  let t0 = clock();
  // As checkTopology loads it without a configuration: imports stay in the root's folder.
  const workspace = loadWorkspace(root, process.cwd(), { root: dirname(root) });
  t.parse = clock() - t0;
  t0 = clock();
  const checked = await checkTopology(root, { config: false, workspace });
  t.check = clock() - t0;
  let printed = checked.diagnostics;
  const wantsTables = phases.includes("lower") || phases.includes("prove");
  if (wantsTables) {
    t0 = clock();
    const compilation = await compileTopology(checked);
    t.lower = clock() - t0;
    printed = compilation.diagnostics;
    if (phases.includes("prove") && compilation.ok) {
      t0 = clock();
      const result = await runTopology(compilation, { scenarios: true });
      t.prove = clock() - t0;
      if (result.report?.status !== "proved") {
        throw new Error(`${root}: the proof failed (${result.report?.status ?? "no report"})`);
      }
      if (phases.includes("print")) {
        t0 = clock();
        runReportText(result.report);
        runReportJson(result.report);
        t.print += clock() - t0;
      }
    } else if (phases.includes("prove")) {
      const first = compilation.diagnostics.find((d) => d.severity === "error");
      throw new Error(`${root}: does not compile: ${first?.code} ${first?.message}`);
    }
  }
  if (phases.includes("print")) {
    t0 = clock();
    formatText(printed, { sources: checked.sources, color: false });
    formatJson(printed, [...checked.sources.keys()], "bench");
    t.print += clock() - t0;
  }
  for (const p of PHASES) if (!phases.includes(p)) t[p] = 0;
  return t;
}

/**
 * Several axes grown together (the quick form in `npm test`): names, buffers and maps into one
 * domain, array elements, chunks, expects and scenario steps; valid, so every phase runs.
 */
export function combinedTopology(n: number): Map<string, string> {
  return one([
    ...times(n, (i) => `const c${i} = ${i} * 4K`),
    ...times(n, (i) => `buffer b${i} in ddr size 64K\nmap b${i} -> d at auto rw`),
    `buffer frame[${n}] in ddr size 16K`,
    "map frame[*] -> d at auto rw",
    `buffer sg chunks [ ${times(n >> 2, (i) => `sram[${i * 128}K .. +64K]`).join(", ")} ]`,
    "map sg -> d at auto rw",
    ...times(n, (i) => `expect dev ${i % 2 ? "reads" : "writes"} b${i}`),
    "expect dev writes frame[*]",
    "scenario moves {",
    ...times(n >> 4, (i) => `  migrate b0 to ${i % 2 ? "ddr" : "sram"}`),
    "}",
  ]);
}

/**
 * One scatter-gather buffer of n chunks mapped into one contiguous IOVA range, another of n
 * chunks between them left unmapped, and `expect` lines that ask about every chunk of both
 * (each chunk against every run was n^2). n at most 32,000 (the chunks fill `ddr`).
 */
export function chunkedTopology(n: number): Map<string, string> {
  return one([
    `buffer sg chunks [ ${times(n, (i) => `ddr[${i * 2}M .. +64K]`).join(", ")} ]`,
    `buffer gaps chunks [ ${times(n, (i) => `ddr[${i * 2 + 1}M .. +64K]`).join(", ")} ]`,
    "map sg -> d at 0x1_0000_0000 rw",
    "expect dev reads sg",
    "expect dev writes sg",
    "expect dev sees sg at 0x1_0000_0000",
    "expect dev cannot read gaps",
  ]);
}

/**
 * Seconds of the `expect` lines alone on `root` (valid), fastest of `runs` after a warm-up: the
 * endpoints are proved first, so what is timed is the expects' own work on the cached reach, not
 * the table walk.
 */
export async function measureExpects(
  root: string,
  clock: Clock = wallClock,
  runs = 2,
): Promise<number> {
  const { compiled } = await compileTopology(root, { config: false });
  if (!compiled) throw new Error(`${root}: does not compile`);
  const run = startRun(compiled, compiled.ir, compiled.plugins, { scenarios: false });
  run.prover.proveEndpoints(run.filter);
  let best = Infinity;
  for (let i = 0; i <= runs; i++) {
    const t0 = clock();
    const reports = run.view.ir.expects.map((e) => evaluateExpect(run.prover, e, run.sink));
    const t = clock() - t0;
    const failed = reports.find((r) => !r.ok);
    if (failed) throw new Error(`${root}: expect ${failed.text} failed`);
    if (i > 0) best = Math.min(best, t);
  }
  return best;
}

/** Broken input grown on several axes: syntax errors, unresolved names (past the cap), comments. */
export function brokenTopology(n: number): Map<string, string> {
  return one([
    ...times(n, (i) => `// comment ${i}`),
    ...times(n, (i) => `buffer e${i} in ddr size ) 4K ]] map -> ->`),
    ...times(n, (i) => `buffer u${i} in region${i} size 4K`),
  ]);
}

/**
 * The fastest CPU time of each phase over `runs` runs after one warm-up: the run least
 * disturbed by other load on a shared machine.
 */
export async function fastestPhases(
  files: Map<string, string>,
  phases: readonly Phase[],
  runs: number,
): Promise<PhaseTimes> {
  const topology = writeTopology(files);
  try {
    await measurePhases(topology.root, phases, cpuClock); // warm-up
    const best: PhaseTimes = {
      parse: Infinity,
      check: Infinity,
      lower: Infinity,
      prove: Infinity,
      print: Infinity,
    };
    for (let i = 0; i < runs; i++) {
      const t = await measurePhases(topology.root, phases, cpuClock);
      for (const p of phases) best[p] = Math.min(best[p], t[p]);
    }
    return best;
  } finally {
    topology.remove();
  }
}
