import { describe, expect, test } from "vitest";
import { spanToPlain } from "../../src/diagnostics/span.js";
import { parseSource } from "../../src/syntax/parse.js";
import { id, num, one, parseOk, strip } from "./helpers.js";

describe("each statement form parses to its AST", () => {
  test("topology, import, use, const", () => {
    expect(
      parseOk('topology video\nimport "common/soc.vcm"\nuse "vcm-plugin-foo"\nconst FB = 8M'),
    ).toEqual([
      { kind: "topology", name: id("video") },
      { kind: "import", path: "common/soc.vcm" },
      { kind: "use", specifier: "vcm-plugin-foo" },
      { kind: "const", name: id("FB"), value: num(8n << 20n, "8M") },
    ]);
  });

  test("import records the path span without quotes", () => {
    const s = one('import "a/b.vcm"');
    if (s.kind !== "import") throw new Error(s.kind);
    expect(s.pathSpan).toMatchObject({
      offset: 7,
      endOffset: 16,
      line: 1,
      column: 8,
      endColumn: 17,
    });
    expect(s.span).toMatchObject({ offset: 0, endOffset: 16 });
  });

  test("memory with kinds and owner", () => {
    expect(
      parseOk(
        "memory ddr 0x8000_0000 .. +2G ram\nmemory vram 0x60_0000_0000 .. 0x70_0000_0000 mmio owner gpu0\nmemory hole 0 .. +4K reserved",
      ),
    ).toEqual([
      {
        kind: "memory",
        name: id("ddr"),
        range: {
          kind: "range",
          start: num(0x8000_0000n, "0x8000_0000"),
          end: num(2n << 30n, "2G"),
          endIsSize: true,
        },
        memoryKind: "ram",
      },
      {
        kind: "memory",
        name: id("vram"),
        range: {
          kind: "range",
          start: num(0x60_0000_0000n, "0x60_0000_0000"),
          end: num(0x70_0000_0000n, "0x70_0000_0000"),
          endIsSize: false,
        },
        memoryKind: "mmio",
        owner: id("gpu0"),
      },
      {
        kind: "memory",
        name: id("hole"),
        range: { kind: "range", start: num(0n, "0"), end: num(4096n, "4K"), endIsSize: true },
        memoryKind: "reserved",
      },
    ]);
  });

  test("pool from a slice or a whole region", () => {
    expect(parseOk("pool tables in ddr[0x3F00_0000 .. +16M]\npool p in ocm")).toEqual([
      {
        kind: "pool",
        name: id("tables"),
        source: {
          kind: "slice",
          target: id("ddr"),
          range: {
            kind: "range",
            start: num(0x3f00_0000n, "0x3F00_0000"),
            end: num(16n << 20n, "16M"),
            endIsSize: true,
          },
        },
      },
      { kind: "pool", name: id("p"), source: { kind: "buffer-ref", name: id("ocm") } },
    ]);
  });

  test("mapper parameter blocks are generic key/value entries", () => {
    expect(
      parseOk(
        "iommu s : arm-lpae { granule 4K; page-sizes 4K 2M; msi 0x800 .. +1M; outside passthrough; flag\n  mask (1 << 12) - 1 }\nmmu m : x86-64\niommu d : arm-v7s { }",
      ),
    ).toEqual([
      {
        kind: "mapper",
        role: "iommu",
        name: id("s"),
        format: id("arm-lpae"),
        params: [
          { key: id("granule"), values: [{ kind: "expr", expr: num(4096n, "4K") }] },
          {
            key: id("page-sizes"),
            values: [
              { kind: "expr", expr: num(4096n, "4K") },
              { kind: "expr", expr: num(2n << 20n, "2M") },
            ],
          },
          {
            key: id("msi"),
            values: [
              {
                kind: "range",
                range: {
                  kind: "range",
                  start: num(0x800n, "0x800"),
                  end: num(1n << 20n, "1M"),
                  endIsSize: true,
                },
              },
            ],
          },
          { key: id("outside"), values: [{ kind: "word", word: "passthrough" }] },
          { key: id("flag"), values: [] },
          {
            key: id("mask"),
            values: [
              {
                kind: "expr",
                expr: {
                  kind: "binary",
                  op: "-",
                  left: { kind: "binary", op: "<<", left: num(1n, "1"), right: num(12n, "12") },
                  right: num(1n, "1"),
                },
              },
            ],
          },
        ],
      },
      { kind: "mapper", role: "mmu", name: id("m"), format: id("x86-64"), params: [] },
      { kind: "mapper", role: "iommu", name: id("d"), format: id("arm-v7s"), params: [] },
    ]);
  });

  test("endpoints with clauses in any order", () => {
    expect(
      parseOk(
        "cpu a53 via cpu_mmu\ncpu m0\ndevice vdec dma-mask 40 behind smmu stream 0x10 group 2\ndma sdma dma-mask 32 offset 0x8000_0000",
      ),
    ).toEqual([
      { kind: "endpoint", endpointKind: "cpu", name: id("a53"), mapper: id("cpu_mmu") },
      { kind: "endpoint", endpointKind: "cpu", name: id("m0") },
      {
        kind: "endpoint",
        endpointKind: "device",
        name: id("vdec"),
        dmaMask: num(40n, "40"),
        mapper: id("smmu"),
        stream: num(16n, "0x10"),
        group: num(2n, "2"),
      },
      {
        kind: "endpoint",
        endpointKind: "dma",
        name: id("sdma"),
        dmaMask: num(32n, "32"),
        offset: num(0x8000_0000n, "0x8000_0000"),
      },
    ]);
  });

  test("domain items", () => {
    const range = (a: bigint, at: string, b: bigint, bt: string, endIsSize: boolean) => ({
      kind: "range",
      start: num(a, at),
      end: num(b, bt),
      endIsSize,
    });
    expect(
      parseOk(
        "domain d on smmu {\n  type identity\n  aperture 0 .. 4G; reserve 0 .. +64K\n  msi 0x800 .. +1M; unity 0x900 .. +1M\n  attach vdec disp\n}",
      ),
    ).toEqual([
      {
        kind: "domain",
        name: id("d"),
        mapper: id("smmu"),
        items: [
          { kind: "type", type: "identity" },
          { kind: "aperture", range: range(0n, "0", 4n << 30n, "4G", false) },
          { kind: "reserve", reserveKind: "reserve", range: range(0n, "0", 65536n, "64K", true) },
          {
            kind: "reserve",
            reserveKind: "msi",
            range: range(0x800n, "0x800", 1n << 20n, "1M", true),
          },
          {
            kind: "reserve",
            reserveKind: "unity",
            range: range(0x900n, "0x900", 1n << 20n, "1M", true),
          },
          { kind: "attach", devices: [id("vdec"), id("disp")] },
        ],
      },
    ]);
  });

  test("buffers: arrays, fixed address, chunks across lines", () => {
    expect(
      parseOk(
        "buffer frame[4] in ddr size FB align 2M\nbuffer fw in ddr size 1M at 0x8010_0000\nbuffer sg chunks [\n  ddr[0x100 .. +64K],\n  ddr[0x200 .. +1M]\n]",
      ),
    ).toEqual([
      {
        kind: "buffer",
        name: id("frame"),
        count: num(4n, "4"),
        region: id("ddr"),
        size: { kind: "name", name: "FB" },
        align: num(2n << 20n, "2M"),
      },
      {
        kind: "buffer",
        name: id("fw"),
        region: id("ddr"),
        size: num(1n << 20n, "1M"),
        at: num(0x8010_0000n, "0x8010_0000"),
      },
      {
        kind: "buffer",
        name: id("sg"),
        chunks: [
          {
            kind: "slice",
            target: id("ddr"),
            range: {
              kind: "range",
              start: num(0x100n, "0x100"),
              end: num(65536n, "64K"),
              endIsSize: true,
            },
          },
          {
            kind: "slice",
            target: id("ddr"),
            range: {
              kind: "range",
              start: num(0x200n, "0x200"),
              end: num(1n << 20n, "1M"),
              endIsSize: true,
            },
          },
        ],
      },
    ]);
  });

  test("map: auto or fixed address, permissions, attributes, flags, pages, window target", () => {
    expect(
      parseOk(
        "map frame[*] -> a53 at 0xFFFF_0000_0000 rw priv pages 4K cacheable outer-shareable\nmap vram[0 .. +64M] -> dom at auto xr p2p pin device\nmap ddr[0 .. +1G] -> c0.ddw at 1 << 59 w\nmap frame[1] -> d at auto r",
      ),
    ).toEqual([
      {
        kind: "map",
        source: { kind: "buffer-ref", name: id("frame"), index: "*" },
        target: { name: id("a53") },
        at: num(0xffff_0000_0000n, "0xFFFF_0000_0000"),
        perms: ["r", "w", "priv"],
        attributes: ["cacheable", "outer-shareable"],
        pages: num(4096n, "4K"),
        p2p: false,
        pin: false,
      },
      {
        kind: "map",
        source: {
          kind: "slice",
          target: id("vram"),
          range: {
            kind: "range",
            start: num(0n, "0"),
            end: num(64n << 20n, "64M"),
            endIsSize: true,
          },
        },
        target: { name: id("dom") },
        at: "auto",
        perms: ["x", "r"],
        attributes: ["device"],
        p2p: true,
        pin: true,
      },
      {
        kind: "map",
        source: {
          kind: "slice",
          target: id("ddr"),
          range: { kind: "range", start: num(0n, "0"), end: num(1n << 30n, "1G"), endIsSize: true },
        },
        target: { name: id("c0"), member: id("ddw") },
        at: { kind: "binary", op: "<<", left: num(1n, "1"), right: num(59n, "59") },
        perms: ["w"],
        attributes: [],
        p2p: false,
        pin: false,
      },
      {
        kind: "map",
        source: { kind: "buffer-ref", name: id("frame"), index: num(1n, "1") },
        target: { name: id("d") },
        at: "auto",
        perms: ["r"],
        attributes: [],
        p2p: false,
        pin: false,
      },
    ]);
  });

  test("container items", () => {
    expect(
      parseOk(
        "container c0 on phb0 : spapr-v2 {\n  groups 1 2; locked-limit 32G; host-page 64K\n  register ddr[0 .. +1G]\n  window w size 2G page 4K at 0 levels 1\n}",
      ),
    ).toEqual([
      {
        kind: "container",
        name: id("c0"),
        mapper: id("phb0"),
        model: id("spapr-v2"),
        items: [
          { kind: "groups", groups: [num(1n, "1"), num(2n, "2")] },
          { kind: "locked-limit", value: num(32n << 30n, "32G") },
          { kind: "host-page", value: num(65536n, "64K") },
          {
            kind: "register",
            source: {
              kind: "slice",
              target: id("ddr"),
              range: {
                kind: "range",
                start: num(0n, "0"),
                end: num(1n << 30n, "1G"),
                endIsSize: true,
              },
            },
          },
          {
            kind: "window",
            name: id("w"),
            size: num(2n << 30n, "2G"),
            page: num(4096n, "4K"),
            at: num(0n, "0"),
            levels: num(1n, "1"),
          },
        ],
      },
    ]);
  });

  test("expectations", () => {
    expect(
      parseOk(
        "expect vdec reads bitstream\nexpect disp cannot write frame[*]\nexpect cpu0 executes fw\nexpect disp faults at 0x0\nexpect a53 sees frame[0] at 0xFFFF_0000_0000",
      ),
    ).toEqual([
      {
        kind: "expect",
        endpoint: id("vdec"),
        expectation: "access",
        negated: false,
        verb: "reads",
        object: { kind: "buffer-ref", name: id("bitstream") },
      },
      {
        kind: "expect",
        endpoint: id("disp"),
        expectation: "access",
        negated: true,
        verb: "writes",
        object: { kind: "buffer-ref", name: id("frame"), index: "*" },
      },
      {
        kind: "expect",
        endpoint: id("cpu0"),
        expectation: "access",
        negated: false,
        verb: "executes",
        object: { kind: "buffer-ref", name: id("fw") },
      },
      { kind: "expect", endpoint: id("disp"), expectation: "faults", at: num(0n, "0x0") },
      {
        kind: "expect",
        endpoint: id("a53"),
        expectation: "sees",
        object: { kind: "buffer-ref", name: id("frame"), index: num(0n, "0") },
        at: num(0xffff_0000_0000n, "0xFFFF_0000_0000"),
      },
    ]);
  });

  test("scenario steps", () => {
    const slice = {
      kind: "slice",
      target: id("ddr"),
      range: {
        kind: "range",
        start: num(1n << 30n, "1G"),
        end: num(1n << 30n, "1G"),
        endIsSize: true,
      },
    };
    expect(
      parseOk(
        "scenario s {\n  migrate frame[0] to ocm\n  unmap frame[1] from disp_dom\n  revoke vram\n  revoke vram dummy scratch\n  register c0 ddr[1G .. +1G]\n  unregister c0 ddr[1G .. +1G]\n  attach nic to dom\n  detach nic\n  power-off ocm\n  map b -> d at auto r\n  expect disp reads frame[0]\n}",
      ),
    ).toEqual([
      {
        kind: "scenario",
        name: id("s"),
        steps: [
          {
            kind: "migrate",
            buffer: { kind: "buffer-ref", name: id("frame"), index: num(0n, "0") },
            to: id("ocm"),
          },
          {
            kind: "unmap",
            source: { kind: "buffer-ref", name: id("frame"), index: num(1n, "1") },
            target: { name: id("disp_dom") },
          },
          { kind: "revoke", region: id("vram") },
          {
            kind: "revoke",
            region: id("vram"),
            dummy: { kind: "buffer-ref", name: id("scratch") },
          },
          { kind: "register", container: id("c0"), source: slice },
          { kind: "unregister", container: id("c0"), source: slice },
          { kind: "attach", device: id("nic"), domain: id("dom") },
          { kind: "detach", device: id("nic") },
          { kind: "power-off", region: id("ocm") },
          {
            kind: "map",
            source: { kind: "buffer-ref", name: id("b") },
            target: { name: id("d") },
            at: "auto",
            perms: ["r"],
            attributes: [],
            p2p: false,
            pin: false,
          },
          {
            kind: "expect",
            endpoint: id("disp"),
            expectation: "access",
            negated: false,
            verb: "reads",
            object: { kind: "buffer-ref", name: id("frame"), index: num(0n, "0") },
          },
        ],
      },
    ]);
  });
});

describe("lexical design decisions", () => {
  test("keywords are not reserved: buffers named window, size, map", () => {
    expect(
      parseOk(
        "buffer window in ddr size size\nbuffer map in ddr size 4K\nmap window -> map at auto r",
      ),
    ).toEqual([
      {
        kind: "buffer",
        name: id("window"),
        region: id("ddr"),
        size: { kind: "name", name: "size" },
      },
      { kind: "buffer", name: id("map"), region: id("ddr"), size: num(4096n, "4K") },
      {
        kind: "map",
        source: { kind: "buffer-ref", name: id("window") },
        target: { name: id("map") },
        at: "auto",
        perms: ["r"],
        attributes: [],
        p2p: false,
        pin: false,
      },
    ]);
  });

  test("inner hyphens make one name; subtraction needs spaces", () => {
    expect(parseOk("const A = FB-1\nconst B = FB - 1")).toEqual([
      { kind: "const", name: id("A"), value: { kind: "name", name: "FB-1" } },
      {
        kind: "const",
        name: id("B"),
        value: { kind: "binary", op: "-", left: { kind: "name", name: "FB" }, right: num(1n, "1") },
      },
    ]);
  });

  test("C precedence, left associativity, unary operators and parentheses", () => {
    const [c] = parseOk("const X = 1 | 2 & 3 << 4 + 5 * -~6 - 7 % (8 / 9)") as [{ value: unknown }];
    const n = (v: number) => num(BigInt(v), String(v));
    const bin = (op: string, left: unknown, right: unknown) => ({
      kind: "binary",
      op,
      left,
      right,
    });
    expect(c.value).toEqual(
      bin(
        "|",
        n(1),
        bin(
          "&",
          n(2),
          bin(
            "<<",
            n(3),
            bin(
              "-",
              bin(
                "+",
                n(4),
                bin("*", n(5), {
                  kind: "unary",
                  op: "-",
                  operand: { kind: "unary", op: "~", operand: n(6) },
                }),
              ),
              bin("%", n(7), bin("/", n(8), n(9))),
            ),
          ),
        ),
      ),
    );
  });

  test("`A +SIZE` without `..` is an addition", () => {
    expect(parseOk("const X = A +4K")).toEqual([
      {
        kind: "const",
        name: id("X"),
        value: {
          kind: "binary",
          op: "+",
          left: { kind: "name", name: "A" },
          right: num(4096n, "4K"),
        },
      },
    ]);
  });

  test("semicolons, blank lines and comments anywhere", () => {
    const text =
      "/* header\n comment */\n\ncpu a; cpu b // two\n\n\n  // only a comment\ncpu /* inline */ c\r\ncpu d";
    expect(parseOk(text).map((s) => (s as { name: { name: string } }).name.name)).toEqual([
      "a",
      "b",
      "c",
      "d",
    ]);
  });

  test("newlines inside parentheses and brackets do not end a statement", () => {
    expect(parseOk("const X = (1 +\n  2)\nbuffer b in ddr size x[\n 1]")).toEqual([
      {
        kind: "const",
        name: id("X"),
        value: { kind: "binary", op: "+", left: num(1n, "1"), right: num(2n, "2") },
      },
      {
        kind: "buffer",
        name: id("b"),
        region: id("ddr"),
        size: { kind: "name", name: "x", index: num(1n, "1") },
      },
    ]);
  });

  test("string escapes", () => {
    const s = one('use "a\\"b\\\\c"');
    expect(strip(s)).toEqual({ kind: "use", specifier: 'a"b\\c' });
  });
});

describe("spans", () => {
  test("statement, name and expression spans are exact (1-based, end exclusive)", () => {
    const text = "cpu a\nmemory ddr  0x10 .. +2G  ram owner gpu0 // c\n";
    const r = parseSource(text, "f.vcm");
    const m = r.ast.statements[1]!;
    if (m.kind !== "memory") throw new Error(m.kind);
    expect(spanToPlain(m.span)).toEqual({
      file: "f.vcm",
      offset: 6,
      endOffset: 45,
      line: 2,
      column: 1,
      endLine: 2,
      endColumn: 40,
    });
    expect(text.slice(m.span.offset, m.span.endOffset)).toBe(
      "memory ddr  0x10 .. +2G  ram owner gpu0",
    );
    expect(text.slice(m.name.span.offset, m.name.span.endOffset)).toBe("ddr");
    expect(m.name.span).toMatchObject({ line: 2, column: 8, endColumn: 11 });
    expect(text.slice(m.range.span.offset, m.range.span.endOffset)).toBe("0x10 .. +2G");
    expect(text.slice(m.owner!.span.offset, m.owner!.span.endOffset)).toBe("gpu0");
  });

  test("multi-line statement spans", () => {
    const text = "scenario s {\n  detach nic\n  power-off ocm\n}";
    const s = one(text);
    if (s.kind !== "scenario") throw new Error(s.kind);
    expect(s.span).toMatchObject({
      line: 1,
      column: 1,
      endLine: 4,
      endColumn: 2,
      offset: 0,
      endOffset: text.length,
    });
    expect(s.steps[1]!.span).toMatchObject({ line: 3, column: 3, endLine: 3, endColumn: 16 });
    expect(text.slice(s.steps[1]!.span.offset, s.steps[1]!.span.endOffset)).toBe("power-off ocm");
  });

  test("binary expression and parenthesised spans cover the written text", () => {
    const text = "const X = (A + 1) * 2";
    const s = one(text);
    if (s.kind !== "const") throw new Error(s.kind);
    expect(text.slice(s.value.span.offset, s.value.span.endOffset)).toBe("(A + 1) * 2");
    if (s.value.kind !== "binary") throw new Error(s.value.kind);
    expect(text.slice(s.value.left.span.offset, s.value.left.span.endOffset)).toBe("(A + 1)");
  });
});

describe("directives", () => {
  test("disable, warn and error with one or several checks", () => {
    const r = parseSource(
      "// vcm: disable unused-declaration\ncpu a // vcm: warn a-b, VCM0201 -- why\n//vcm:error x",
      "f.vcm",
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.ast.directives.map(({ action, check }) => [action, check])).toEqual([
      ["disable", "unused-declaration"],
      ["warn", "a-b"],
      ["warn", "VCM0201"],
      ["error", "x"],
    ]);
    expect(r.ast.directives[1]!.span).toMatchObject({ line: 2, column: 7 });
  });

  test("bad directives are reported (VCM0005) and ignored", () => {
    const r = parseSource("// vcm: silence foo\n// vcm: disable\n// vcm: warn Not_A_Name", "f.vcm");
    expect(r.ast.directives).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.check, d.span?.line])).toEqual([
      ["VCM0005", "bad-directive", 1],
      ["VCM0005", "bad-directive", 2],
      ["VCM0005", "bad-directive", 3],
    ]);
  });
});
