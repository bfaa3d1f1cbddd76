/** The words of nested translation: `guest` / `backed` on memory, `stage` / `nested` / `tables` in a domain. */
import { describe, expect, test } from "vitest";
import { formatVcm } from "../../src/format/index.js";
import { parseSource } from "../../src/syntax/parse.js";
import { one } from "./helpers.js";

describe("guest memory", () => {
  test("`guest` and `backed` in either order, each once", () => {
    for (const text of [
      "memory gram 0x4000_0000 .. +256M ram guest vm0 backed ddr[0x1000_0000 .. +256M]",
      "memory gram 0x4000_0000 .. +256M ram backed ddr[0x1000_0000 .. +256M] guest vm0",
    ]) {
      const s = one(text);
      if (s.kind !== "memory") throw new Error(s.kind);
      expect(s.guest?.name).toBe("vm0");
      expect(s.backing).toMatchObject({ kind: "slice", target: { name: "ddr" } });
    }
    const twice = parseSource("memory g 0 .. +4K ram guest a guest b", "t.vcm");
    expect(twice.diagnostics.map((d) => d.check)).toEqual(["duplicate-clause"]);
  });

  test("a host region has neither", () => {
    const s = one("memory ddr 0x8000_0000 .. +2G ram");
    if (s.kind !== "memory") throw new Error(s.kind);
    expect(s.guest).toBeUndefined();
    expect(s.backing).toBeUndefined();
  });
});

describe("domain stage items", () => {
  test("stage, nested and tables", () => {
    const s = one("domain d on smmu { stage 2 }");
    if (s.kind !== "domain") throw new Error(s.kind);
    expect(s.items).toMatchObject([{ kind: "stage", stage: { kind: "number", value: 2n } }]);
    const n = one("domain n on smmu {\n  nested vm0\n  tables gt\n  attach nic\n}");
    if (n.kind !== "domain") throw new Error(n.kind);
    expect(n.items.map((i) => i.kind)).toEqual(["nested", "tables", "attach"]);
    expect(n.items[0]).toMatchObject({ parent: { name: "vm0" } });
    expect(n.items[1]).toMatchObject({ pool: { name: "gt" } });
  });

  test("`vcm fmt` keeps them", () => {
    const text =
      "domain vm0 on smmu { stage 2 }\n" +
      "memory gram 0x4000_0000 .. +256M ram guest vm0 backed ddr[0x1000_0000 .. +256M]\n" +
      "domain n on smmu { nested vm0; tables gt; attach nic }\n";
    const out = formatVcm(text, { file: "t.vcm" });
    expect(out).toBe(text);
  });
});
