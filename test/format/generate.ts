/**
 * fast-check topologies for the formatter: statements of every kind the formatter lays out
 * (aligned lines, one-line and multi-line blocks, `chunks` lists across lines, scenarios), numbers
 * in every style, written with random blanks, separators (`;` or newlines), blank lines and
 * comments everywhere a comment may go.
 */
import fc from "fast-check";

/** A token, or a block of items (each a token list), or a bracketed list broken over lines. */
type Piece = string | { block: string[][] } | { list: string[][] };
type Statement = Piece[];

const num = (value: number): fc.Arbitrary<string> =>
  fc.constantFrom(
    String(value),
    "0x" + value.toString(16).toUpperCase(),
    "0x" +
      value
        .toString(16)
        .padStart(8, "0")
        .replace(/(.{4})(.{4})$/, "$1_$2"),
    value % 1024 === 0 && value > 0 ? `${value / 1024}K` : String(value),
  );

const page = fc.integer({ min: 0, max: 255 }).map((n) => n * 4096);

const memory = fc
  .tuple(
    fc.constantFrom("ddr", "sram", "r2"),
    page.chain(num),
    fc.constantFrom("+2G", "+16M", "+4K"),
  )
  .map(([name, start, size]): Statement => ["memory", name, start, "..", size, "ram"]);

const mapperBlock = fc
  .subarray(
    [
      ["stage", "1"],
      ["granule", "4K"],
      ["va-bits", "48"],
      ["pa-bits", "40"],
      ["ias", "32"],
    ],
    {
      minLength: 0,
    },
  )
  .map((items) => ({ block: items }));

const mapper = fc
  .tuple(fc.constantFrom("mmu", "iommu"), fc.constantFrom("m1", "smmu_long"), mapperBlock)
  .map(([role, name, block]): Statement => [role, name, ":", "arm-lpae", block]);

const endpoint = fc
  .tuple(
    fc.constantFrom("cpu", "device", "dma"),
    fc.constantFrom("c0", "dev_b", "e"),
    fc.option(fc.integer({ min: 0, max: 64 }).chain(num)),
  )
  .map(([kind, name, stream]): Statement => {
    const s: Statement = [kind, name];
    if (kind === "cpu") s.push("via", "m1");
    if (kind === "device") s.push("behind", "smmu_long");
    if (stream !== null && kind === "device") s.push("stream", stream);
    if (kind !== "cpu") s.push("dma-mask", "32");
    return s;
  });

const constant = fc
  .tuple(
    fc.constantFrom("A", "LONG_NAME"),
    fc.integer({ min: 0, max: 1 << 20 }).chain(num),
    fc.nat(3),
  )
  .map(([name, n, shape]): Statement => {
    if (shape === 0) return ["const", name, "=", n];
    if (shape === 1) return ["const", name, "=", "(", n, "+", "4K", ")", "*", "2"];
    if (shape === 2) return ["const", name, "=", "~", n];
    return ["const", name, "=", n, "-", "-", "1"];
  });

const buffer = fc
  .tuple(fc.constantFrom("b0", "frame", "sg"), fc.nat(2), fc.boolean())
  .map(([name, shape, broken]): Statement => {
    if (shape === 0) return ["buffer", name, "in", "ddr", "size", "8K", "align", "4K"];
    if (shape === 1) return ["buffer", name, "[", "2", "]", "in", "ddr", "size", "4K"];
    const chunks = [
      ["ddr", "[", "0x0100_0000", "..", "+", "64K", "]"],
      ["ddr", "[", "2M", "..", "+", "4K", "]"],
    ];
    return broken
      ? ["buffer", name, "chunks", { list: chunks }]
      : ["buffer", name, "chunks", "[", ...chunks[0]!, ",", ...chunks[1]!, "]"];
  });

const domain = fc
  .subarray([
    ["type", "dma"],
    ["aperture", "0", "..", "4G"],
    ["reserve", "0", "..", "+", "64K"],
    ["attach", "dev_b"],
  ])
  .map((items): Statement => ["domain", "dom", "on", "smmu_long", { block: items }]);

const map = fc
  .tuple(
    fc.constantFrom(["b0"], ["frame", "[", "*", "]"], ["ddr", "[", "0", "..", "+", "4K", "]"]),
    fc.constantFrom("dom", "c0"),
    fc.constantFrom(["at", "auto"], ["at", "0x1000_0000"], []),
    fc.constantFrom("r", "rw"),
  )
  .map(([src, target, at, perms]): Statement => ["map", ...src, "->", target, ...at, perms]);

const expectLine = fc
  .tuple(fc.constantFrom("dev_b", "c0"), fc.constantFrom(["reads", "b0"], ["faults", "at", "0x0"]))
  .map(([ep, rest]): Statement => ["expect", ep, ...rest]);

const scenario = fc
  .array(fc.oneof(map, expectLine), { maxLength: 3 })
  .map((steps): Statement => ["scenario", "s1", { block: steps.map((s) => s.filter(isToken)) }]);

function isToken(p: Piece): p is string {
  return typeof p === "string";
}

const statement = fc.oneof(
  memory,
  mapper,
  endpoint,
  constant,
  buffer,
  domain,
  map,
  expectLine,
  scenario,
);

/** A small deterministic generator for the layout (blanks, breaks, comments). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Writer {
  private out = "";
  private comments = 0;
  constructor(private readonly random: () => number) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.random() * xs.length)]!;
  }

  private blank(): string {
    const r = this.random();
    if (r < 0.08) return ` /* b${this.comments++} */ `;
    return this.pick([" ", " ", "  ", "\t", "   "]);
  }

  private lineEnd(): string {
    return this.random() < 0.25 ? `  // c${this.comments++}\n` : "\n";
  }

  tokens(ts: readonly string[]): string {
    return ts.map((t, i) => (i === 0 ? t : this.blank() + t)).join("");
  }

  statement(s: Statement, indent: string): string {
    let text = "";
    for (const p of s) {
      if (text !== "") text += this.blank();
      if (typeof p === "string") text += p;
      else if ("list" in p) {
        text +=
          "[\n" +
          p.list.map((c) => indent + "    " + this.tokens(c)).join("," + this.lineEnd()) +
          "\n" +
          indent +
          "]";
      } else if (p.block.length === 0 || this.random() < 0.5) {
        text +=
          "{" +
          this.blank() +
          p.block.map((i) => this.tokens(i)).join(this.pick([";", "; ", " ;  "]) + " ") +
          " }";
      } else {
        text += "{" + this.lineEnd();
        for (const item of p.block) {
          if (this.random() < 0.15) text += `${indent}  // own ${this.comments++}\n`;
          text += indent + this.pick(["  ", "    ", "\t"]) + this.tokens(item) + this.lineEnd();
        }
        text += indent + "}";
      }
    }
    return text;
  }

  file(statements: readonly Statement[]): string {
    this.out = "";
    for (const s of statements) {
      const r = this.random();
      if (r < 0.1) this.out += `// own ${this.comments++}\n`;
      else if (r < 0.2) this.out += "\n\n";
      this.out += this.pick(["", " ", "\t"]) + this.statement(s, "");
      this.out += this.random() < 0.15 ? "; " : this.lineEnd();
    }
    return this.out;
  }
}

/** Topology texts (they parse; many do not resolve cleanly, which the IR comparison covers too). */
export const topologyText: fc.Arbitrary<string> = fc
  .tuple(fc.array(statement, { minLength: 1, maxLength: 14 }), fc.integer())
  .map(([statements, seed]) => new Writer(prng(seed)).file(statements));
