/**
 * The video sample against the real built-in plugins. While some built-ins are still missing
 * from the registry, only `unknown-format` for exactly those formats may appear (and the checks
 * it gates are skipped with notes); once all are registered the sample must check cleanly.
 */
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { builtinRegistry } from "../../src/plugin-host/builtins.js";
import { check } from "../checks/harness.js";

test("the video sample checks with the built-in plugins", () => {
  const registry = builtinRegistry();
  const text = readFileSync("test/fixtures/checks/video.vcm", "utf8");
  const used = ["arm-lpae", "arm-v7s", "gart", "spapr-tce"];
  const missing = used.filter((f) => !registry.get(f));
  const r = check({ "video.vcm": text }, undefined, registry);
  const unexpected = r.diagnostics.filter(
    (d) =>
      d.severity !== "note" &&
      !(d.check === "unknown-format" && missing.some((f) => d.message.includes(`'${f}'`))),
  );
  expect(unexpected.map((d) => `${d.check}: ${d.message}`)).toEqual([]);
  expect(r.ir.mappings).toHaveLength(15);
});
