/**
 * The io-pgtable self-tests as vitest cases, for plugin test files (in-tree and third-party):
 *
 *   describe("my-format self-test", () => ioPgtableSelfTests(plugin, { params }));
 *
 * registers one `it` per self-test case (./self-tests.ts: per page size, where it fits) and one
 * long random map/unmap run checked against the interval reference after every step. Not
 * re-exported from ./index.ts: the CLI's conformance kit must not load vitest.
 *
 * vitest is an optional peer dependency of `vcm`: it is loaded here, on first import of this
 * entry, and its absence is one clear error instead of a module-resolution stack trace.
 */
import type { VcmPlugin } from "../types.js";
import type { ConformanceOptions } from "./fixture.js";
import { DEFAULT_RUNS } from "./index.js";
import { randomSequence, replaySequence } from "./properties.js";
import { selfTestCases } from "./self-tests.js";

export interface SelfTestOptions extends ConformanceOptions {
  /** Random operations in the long run (default 1,000, scaled up by FUZZ_RUNS); 0 skips it. */
  randomOps?: number;
  /**
   * Aperture of the random run, when the tested one is too large for the kit's random region
   * (at most 2^32 pages covering four of the largest pages).
   */
  randomAperture?: { base: bigint; size: bigint };
}

const { expect, it } = await loadVitest();

async function loadVitest(): Promise<typeof import("vitest")> {
  try {
    return await import("vitest");
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw e;
    throw new Error(
      "vcm/testing/vitest needs vitest, an optional peer dependency of vcm that is not " +
        "installed here: run `npm install --save-dev vitest`, or use runConformance from " +
        "vcm/testing, which needs no test runner.",
      { cause: e },
    );
  }
}

const DEFAULT_OPS = 1000;

function defaultOps(): number {
  const env = Number(process.env["FUZZ_RUNS"]);
  return Number.isInteger(env) && env > DEFAULT_RUNS
    ? Math.round((DEFAULT_OPS * env) / DEFAULT_RUNS)
    : DEFAULT_OPS;
}

export function ioPgtableSelfTests(plugin: VcmPlugin, options: SelfTestOptions): void {
  for (const c of selfTestCases(plugin, options)) {
    it(c.name, () => expect(c.run()).toEqual([]));
  }
  const ops = options.randomOps ?? defaultOps();
  if (ops === 0) return;
  const seed = options.seed ?? 0x5eed;
  it(`${ops} random map/unmap operations agree with an interval reference (seed ${seed})`, () => {
    const random = options.randomAperture
      ? { ...options, aperture: options.randomAperture }
      : options;
    const commands = randomSequence(plugin, random, ops, seed);
    if (typeof commands === "string") {
      expect.fail(commands);
      return;
    }
    expect(replaySequence(plugin, random, commands)).toEqual([]);
  });
}
