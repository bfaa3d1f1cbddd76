/** The formatter: layout rules, comments, number style, errors, and "never changes meaning". */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatVcm, VcmFormatError } from "../../src/format/index.js";
import { sameShape } from "../../src/format/format.js";
import { parseSource } from "../../src/syntax/parse.js";
import { loadWorkspace } from "../../src/workspace/loader.js";
import { rng } from "../fuzz/mutate.js";
import { topologyText } from "./generate.js";
import { meaningOf } from "./meaning.js";

const ROOT = join(import.meta.dirname, "../..");

function vcmFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".vcm"))
    .map((f) => join(ROOT, dir, f))
    .sort();
}

const comments = (text: string): string[] => text.match(/\/\/[^\n]*|\/\*[^]*?\*\//g) ?? [];

/** Format, then check idempotence and that the comments are all there, in order. */
function fmt(text: string): string {
  const out = formatVcm(text);
  expect(formatVcm(out)).toBe(out);
  expect(comments(out)).toEqual(comments(text).map((c) => c.trimEnd()));
  return out;
}

describe("every sample and fixture: idempotent, same IR, same comments", () => {
  for (const top of vcmFiles("samples").filter((f) => !f.includes("/common/"))) {
    it(relative(ROOT, top), () => {
      const ws = loadWorkspace(top, ROOT);
      expect(ws.diagnostics).toEqual([]);
      const before = new Map(ws.files.map((f) => [f.file, f.text]));
      const after = new Map([...before].map(([file, text]) => [file, fmt(text)]));
      expect(meaningOf(after)).toBe(meaningOf(before));
    });
  }
  // Not the hostile-plugin cases another test writes and deletes while the suite runs.
  const fixtures = vcmFiles("test")
    .filter((f) => !/\/case-[^/]*\.vcm$/.test(f))
    .filter(
      (f) =>
        !parseSource(readFileSync(f, "utf8"), f).diagnostics.some((d) => d.severity === "error"),
    );
  it("finds the fixtures", () => expect(fixtures.length).toBeGreaterThanOrEqual(7));
  for (const file of fixtures) {
    it(relative(ROOT, file), () => {
      const text = readFileSync(file, "utf8");
      const out = fmt(text);
      expect(meaningOf(new Map([[file, out]]))).toBe(meaningOf(new Map([[file, text]])));
    });
  }
});

describe("generated topologies", () => {
  it("format to text of the same IR, idempotently, keeping every comment", () => {
    fc.assert(
      fc.property(topologyText, (text) => {
        const out = fmt(text);
        expect(meaningOf(new Map([["g.vcm", out]]))).toBe(meaningOf(new Map([["g.vcm", text]])));
      }),
      { numRuns: Number(process.env.FORMAT_RUNS ?? 100) },
    );
  });
});

describe("sample mutants", () => {
  it("line breaks, separators, comments and brackets inserted anywhere: what parses formats idempotently", () => {
    const texts = vcmFiles("samples").map((f) => readFileSync(f, "utf8"));
    const bits = [
      "\n",
      ";",
      " // c\n",
      "/* c */",
      "/* a\nb */",
      "\n\n",
      "\t",
      "{",
      "}",
      "[",
      "]",
      "(",
      ")",
      ",",
    ];
    const random = rng(11);
    let formatted = 0;
    for (let i = 0; i < Number(process.env.FORMAT_MUTANTS ?? 250); i++) {
      let text = texts[i % texts.length]!;
      for (let k = 0; k <= i % 3; k++) {
        const at = Math.floor(random() * text.length);
        text = text.slice(0, at) + bits[Math.floor(random() * bits.length)] + text.slice(at);
      }
      let out: string;
      try {
        out = formatVcm(text);
      } catch (e) {
        // Only a syntax error may stop it: an "internal" error is the meaning check firing.
        expect(e instanceof VcmFormatError && e.kind, text).toBe("syntax");
        continue;
      }
      expect(formatVcm(out), text).toBe(out);
      formatted++;
    }
    expect(formatted).toBeGreaterThan(40);
  });
});

describe("layout", () => {
  it("never starts a block's line with a top-level statement word (it would end the block)", () => {
    expect(fmt("iommu d : arm-lpae { stage 1; page-sizes 4K // c\ngranule 4K; pool t }\n")).toBe(
      "iommu d : arm-lpae {\n  stage 1\n  page-sizes 4K // c\n  granule 4K; pool t\n}\n",
    );
    expect(fmt("iommu d : arm-lpae { pool t // c\n stage 1 }\n")).toBe(
      "iommu d : arm-lpae { pool t // c\n  stage 1\n}\n",
    );
  });

  it("aligns the columns of consecutive memory, device and map lines", () => {
    const out = fmt(
      [
        "memory ddr 0x8000_0000 .. +2G ram",
        "memory sram   0x1000_0000 .. +32M ram",
        "memory uart 0x0900_0000 .. +4K mmio",
        "",
        "cpu a53 via cpu_mmu",
        "device vdec behind vdec_smmu stream 0x10 dma-mask 32",
        "device disp behind disp_mmu stream 0x01",
        "dma sdma dma-mask 32",
        "",
        "map sg -> vdec_dom at auto r",
        "map bitstream -> a53 rw",
        "",
      ].join("\n"),
    );
    expect(out).toBe(
      [
        "memory ddr  0x8000_0000 .. +2G  ram",
        "memory sram 0x1000_0000 .. +32M ram",
        "memory uart 0x0900_0000 .. +4K  mmio",
        "",
        "cpu    a53  via cpu_mmu",
        "device vdec behind vdec_smmu stream 0x10 dma-mask 32",
        "device disp behind disp_mmu  stream 0x01",
        "dma    sdma dma-mask 32",
        "",
        "map sg        -> vdec_dom at auto r",
        "map bitstream -> a53      rw",
        "",
      ].join("\n"),
    );
  });

  it("a blank line or another kind of statement ends a run; a comment line does not", () => {
    const out = fmt(
      "map a -> d rw\n// note\nmap longer -> d r\n\nmap b -> d r\nconst X = 1\nmap c -> d r\n",
    );
    expect(out).toBe(
      "map a      -> d rw\n// note\nmap longer -> d r\n\nmap b -> d r\nconst X = 1\nmap c -> d r\n",
    );
  });

  it("keeps number style as written", () => {
    expect(fmt("const A = 0x8000_0000+0B1010+16K+1_000")).toBe(
      "const A = 0x8000_0000 + 0B1010 + 16K + 1_000\n",
    );
  });

  it("normalises blanks, separators and blank lines", () => {
    const out = fmt(
      "\n\n  topology   t ;const A=-(1)\n\n\n\nconst B = ~A*(2-1)\r\nmap f[*]->c0 . ddw at A+4K rw;\n",
    );
    expect(out).toBe(
      "topology t\nconst A = -(1)\n\nconst B = ~A * (2 - 1)\nmap f[*] -> c0.ddw at A + 4K rw\n",
    );
  });

  it("keeps a one-line block on one line and a broken one one item per line", () => {
    expect(fmt("mmu m : arm-lpae {stage 1;granule 4K;}\niommu n : gart {}\n")).toBe(
      "mmu   m : arm-lpae { stage 1; granule 4K }\niommu n : gart     { }\n",
    );
    expect(fmt("domain d on m {\ntype dma; attach x\n\n\n   aperture 0..4G\n\n}\n")).toBe(
      "domain d on m {\n  type dma\n  attach x\n\n  aperture 0 .. 4G\n}\n",
    );
  });

  it("honours tabWidth and useTabs for block indentation", () => {
    const text = "scenario s {\nmap a -> d rw\n}\n";
    expect(formatVcm(text, { tabWidth: 4 })).toBe("scenario s {\n    map a -> d rw\n}\n");
    expect(formatVcm(text, { useTabs: true })).toBe("scenario s {\n\tmap a -> d rw\n}\n");
  });
});

describe("comments", () => {
  it("keeps leading, trailing, in-block and in-list comments where they were", () => {
    const text = [
      "// leading",
      "/* block before */ topology t // trailing",
      "mmu m : arm-lpae { // after the brace",
      "  // inside the block",
      "  stage 1 /* inline */; granule 4K // item",
      "  /* last */",
      "} // after the block",
      "buffer sg chunks [",
      "    // first chunk",
      "    ddr[0 .. +64K], // one",
      "  ddr[1M .. +64K]   /* two */",
      "]",
      "// vcm: disable unused-declaration",
      "",
      "// at the end",
    ].join("\n");
    expect(fmt(text)).toBe(
      [
        "// leading",
        "/* block before */ topology t // trailing",
        "mmu m : arm-lpae {            // after the brace",
        "  // inside the block",
        "  stage 1 /* inline */",
        "  granule 4K // item",
        "  /* last */",
        "} // after the block",
        "buffer sg chunks [",
        "  // first chunk",
        "  ddr[0 .. +64K], // one",
        "  ddr[1M .. +64K] /* two */",
        "]",
        "// vcm: disable unused-declaration",
        "",
        "// at the end",
        "",
      ].join("\n"),
    );
  });

  it("aligns the trailing comments of consecutive lines", () => {
    expect(fmt("const A = 1 // a\nconst LONGER = 2 // b\n\nconst C = 3   // c\n")).toBe(
      "const A      = 1 // a\nconst LONGER = 2 // b\n\nconst C = 3 // c\n",
    );
  });

  it("keeps a directive comment, so the formatted file has the same directives", () => {
    const text = "const A = 1 // vcm: disable unused-declaration\n";
    expect(parseSource(fmt(text), "t.vcm").ast.directives.map((d) => d.check)).toEqual([
      "unused-declaration",
    ]);
  });
});

describe("the meaning check formatVcm runs on its own output", () => {
  const ast = (text: string) => parseSource(text, "t.vcm").ast.statements;
  it("ignores positions but sees any other difference", () => {
    expect(sameShape(ast("const A = 0x10"), ast("\n\n  const   A=0x10"))).toBe(true);
    expect(sameShape(ast("const A = 0x10"), ast("const A = 16"))).toBe(false); // as written
    expect(sameShape(ast("const A = 1 - 2"), ast("const A = 1-2"))).toBe(true);
    expect(sameShape(ast("const A = 1 - 2"), ast("const A = 1 + 2"))).toBe(false);
    expect(sameShape(ast("memory m 0 .. +4K mmio pinnable"), ast("memory m 0 .. +4K mmio"))).toBe(
      false,
    );
    expect(sameShape(ast("map a -> b rw"), ast("map a -> b r"))).toBe(false);
  });
});

// Recursion audit (issue 17): the meaning check and the layout hints walked the AST by
// recursion, so a 100,000-term operator chain (a left spine as deep as the line) overflowed.
it("a constant of 100,000 terms formats without a stack overflow", () => {
  const text = `const X = ${Array(100_000).fill("1").join(" + ")}\n`;
  const out = formatVcm(text);
  expect(out.match(/\+/g)).toHaveLength(99_999);
  const deep = (t: string) => parseSource(t, "t.vcm").ast.statements;
  expect(sameShape(deep(text), deep(out))).toBe(true);
  expect(sameShape(deep(text), deep(text.replace(/1\n$/, "2\n")))).toBe(false);
});

describe("errors", () => {
  it("a syntax error throws VcmFormatError with the parser's diagnostics and a position", () => {
    let error: unknown;
    try {
      formatVcm("memory ddr 0 .. +1G ram\nbuffer b in ddr size\n", { file: "bad.vcm" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VcmFormatError);
    const e = error as VcmFormatError;
    expect(e.kind).toBe("syntax");
    expect(e.diagnostics[0]!.code).toBe("VCM0001");
    expect(e.message).toMatch(/^bad\.vcm:2:\d+: error VCM0001: /);
  });

  it("an unterminated comment or string is a syntax error too, not a lost comment", () => {
    expect(() => formatVcm("const A = 1 /* open\n")).toThrow(/VCM0008/);
    expect(() => formatVcm('import "open\n')).toThrow(/VCM0007/);
  });

  it("keeps a byte-order mark, formats CRLF files to LF and an empty file to nothing", () => {
    expect(fmt("\uFEFFconst A=1\r\n")).toBe("\uFEFFconst A = 1\n");
    expect(fmt("")).toBe("");
    expect(fmt("\n\n// only\n\n")).toBe("// only\n");
  });
});
