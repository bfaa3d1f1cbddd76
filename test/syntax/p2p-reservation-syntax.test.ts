/** The words of issue 8 §4-5: `pinnable`, `restore`, `reservation`, and `map` without `at`. */
import { describe, expect, test } from "vitest";
import { parseSource } from "../../src/syntax/parse.js";
import { one, parseOk } from "./helpers.js";

describe("pinnable, restore, reservation", () => {
  test("`pinnable` may come before or after `owner`, once", () => {
    for (const text of [
      "memory bar 0x40_0000_0000 .. +16M mmio owner gpu pinnable",
      "memory bar 0x40_0000_0000 .. +16M mmio pinnable owner gpu",
    ]) {
      const s = one(text);
      if (s.kind !== "memory") throw new Error(s.kind);
      expect(s.owner?.name).toBe("gpu");
      expect(s.pinnable?.column).toBe(text.indexOf("pinnable") + 1);
    }
    const twice = parseSource("memory bar 0 .. +4K mmio pinnable pinnable", "t.vcm");
    expect(twice.diagnostics.map((d) => d.check)).toEqual(["duplicate-clause"]);
  });

  test("a region without `pinnable` has none", () => {
    const s = one("memory bar 0 .. +4K mmio owner gpu");
    if (s.kind !== "memory") throw new Error(s.kind);
    expect(s.pinnable).toBeUndefined();
  });

  test("reservation with clauses in any order", () => {
    expect(parseOk("reservation frames in vdec_dom align 2M size 8M at 0x1000_0000")).toMatchObject(
      [
        {
          kind: "reservation",
          name: { name: "frames" },
          target: { name: { name: "vdec_dom" } },
          size: { kind: "number", value: 8n << 20n },
          align: { kind: "number", value: 2n << 20n },
          at: { kind: "number", value: 0x1000_0000n },
        },
      ],
    );
    const twice = parseSource("reservation r in d size 4K size 8K", "t.vcm");
    expect(twice.diagnostics.map((d) => d.check)).toEqual(["duplicate-clause"]);
  });

  test("a `reservation` line ends an unclosed block (costing that block only)", () => {
    const r = parseSource("scenario s {\n  revoke bar\nreservation r in d size 4K\n", "t.vcm");
    expect(r.ast.statements.map((s) => s.kind)).toEqual(["reservation"]);
    expect(r.diagnostics).toHaveLength(1);
  });

  test("`restore REGION` is a scenario step", () => {
    expect(parseOk("scenario s { revoke bar; restore bar }")).toMatchObject([
      {
        kind: "scenario",
        steps: [
          { kind: "revoke", region: { name: "bar" } },
          { kind: "restore", region: { name: "bar" } },
        ],
      },
    ]);
  });

  test("`map` without `at` is `at auto`", () => {
    expect(parseOk("map f0 -> frames rw")).toMatchObject([
      { kind: "map", at: "auto", perms: ["r", "w"] },
    ]);
    expect(parseOk("map f0 -> frames at auto rw")).toMatchObject([{ kind: "map", at: "auto" }]);
  });
});
