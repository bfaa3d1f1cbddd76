/**
 * `migrate` and `revoke` must leave no endpoint reaching the old frames. A plugin whose unmap
 * silently does nothing leaves them in place; the scenario proof must name the endpoint and the
 * address, for every built-in table format.
 */
import { describe, expect, it } from "vitest";
import { verify } from "../../src/runtime/index.js";
import { FORMAT_CASES, allFormatsTopology } from "./all-formats.js";
import { lowerWith, pluginsWith } from "./helpers.js";
import { realPlugins } from "../fixtures/lowering/from-text.js";

const BAR_OFFSET = 0x40_0000n;

function scenarios(index: number): string {
  return `scenario mig { migrate rw${index} to spare }\n` + `scenario rev { revoke bar }\n`;
}

describe.each(FORMAT_CASES)("$format: stale mappings after migrate and revoke", (c) => {
  const text = allFormatsTopology(scenarios(c.index));

  it("with a working unmap, both scenarios are proved", () => {
    const l = lowerWith(text, realPlugins());
    const report = verify(l.compiled, l.ir, l.plugins);
    expect(report.failures.map((f) => f.message)).toEqual([]);
    const mig = report.scenarios.find((s) => s.name === "mig")!;
    expect(mig.ok).toBe(true);
    expect(mig.steps[0]!.reverified).toContain(c.endpoint);
  });

  it("an unmap that does nothing leaves the migrated and the revoked mapping reachable", () => {
    const broken = pluginsWith(c.format, (p) => ({ ...p, unmap: (_h, _iova, size) => size }));
    const l = lowerWith(text, broken);
    const report = verify(l.compiled, l.ir, l.plugins, { maxFailures: 1000 });
    const stale = report.failures.filter((f) => f.check === "stale-after-migrate");
    expect(stale.map((f) => [f.scenario, f.endpoint, f.address])).toContainEqual([
      "mig",
      c.endpoint,
      c.rw,
    ]);
    expect(stale.find((f) => f.endpoint === c.endpoint)!.size).toBe(0x1_0000n);
    const revoked = report.failures.filter((f) => f.check === "stale-after-revoke");
    expect(revoked.map((f) => [f.scenario, f.endpoint, f.address])).toContainEqual([
      "rev",
      c.endpoint,
      c.rw + BAR_OFFSET,
    ]);
    // Only the broken format's endpoints keep stale mappings.
    const formats = new Set(
      FORMAT_CASES.filter((x) => x.format !== c.format).map((x) => x.endpoint),
    );
    expect(revoked.filter((f) => formats.has(f.endpoint!))).toEqual([]);
    expect(report.status).toBe("failed");
  });
});
