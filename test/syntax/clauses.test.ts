import { describe, expect, test } from "vitest";
import { parseSource } from "../../src/syntax/parse.js";
import { strip } from "./helpers.js";

/** The AST keys a statement has besides kind, name and span. */
function keys(text: string): string[][] {
  const r = parseSource(text, "c.vcm");
  return r.ast.statements.map((s) =>
    Object.keys(strip(s) as object).filter((k) => k !== "kind" && k !== "name"),
  );
}

describe("clauses return their values; the statement files each under its keyword", () => {
  test("every clause of an endpoint, a buffer, a map and a reservation lands in its field", () => {
    const r = parseSource(
      [
        "device d behind smmu stream 1 group 2 dma-mask 40 offset 0x100",
        "buffer b[2] in ddr size 4K align 8K",
        "buffer f at 0x1000 size 4K chunks [ddr[0 .. +4K]]",
        "map b -> dom at auto rw priv device outer-shareable p2p pin pages 4K",
        "reservation r in dom size 64K align 64K at 0x10000",
      ].join("\n"),
      "c.vcm",
    );
    const [d, b, f, m, res] = r.ast.statements.map((s) => strip(s)) as Record<string, unknown>[];
    expect(d).toMatchObject({
      mapper: { name: "smmu" },
      stream: { value: 1n },
      group: { value: 2n },
      dmaMask: { value: 40n },
      offset: { value: 0x100n },
    });
    expect(b).toMatchObject({
      region: { name: "ddr" },
      size: { value: 4096n },
      align: { value: 8192n },
    });
    expect(f).toMatchObject({ at: { value: 0x1000n }, chunks: [{ kind: "slice" }] });
    expect(m).toMatchObject({
      perms: ["r", "w", "priv"],
      attributes: ["device", "outer-shareable"],
      p2p: true,
      pin: true,
      pages: { value: 4096n },
    });
    expect(res).toMatchObject({
      size: { value: 65536n },
      align: { value: 65536n },
      at: { value: 0x10000n },
    });
    expect(r.diagnostics).toEqual([]);
  });

  test("nothing carries over from one statement to the next", () => {
    expect(
      keys(
        [
          "device d behind smmu stream 1 group 2",
          "device e",
          "buffer b in ddr size 4K align 8K at 0",
          "buffer c",
          "map b -> dom rw p2p pages 4K",
          "map c -> dom r",
          "reservation r in dom size 4K at 0",
          "reservation s in dom",
        ].join("\n"),
      ),
    ).toEqual([
      ["endpointKind", "mapper", "stream", "group"],
      ["endpointKind"],
      ["region", "size", "align", "at"],
      [],
      ["source", "target", "at", "perms", "attributes", "p2p", "pin", "pages"],
      ["source", "target", "at", "perms", "attributes", "p2p", "pin"],
      ["target", "size", "at"],
      ["target"],
    ]);
  });

  test("a repeated clause is reported at its second keyword, per statement", () => {
    const r = parseSource("buffer b size 4K size 8K\nbuffer c size 4K\ndevice d via m", "c.vcm");
    expect(r.diagnostics.map((x) => [x.check, x.message, x.span?.line, x.span?.column])).toEqual([
      ["duplicate-clause", "a buffer has two 'size' clauses", 1, 18],
      ["syntax-error", "a device names its MMU with 'behind', not 'via'", 3, 10],
    ]);
  });
});
