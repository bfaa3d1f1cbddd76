import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { statementRefs } from "../../src/checks/impl/unused.js";
import type { Statement } from "../../src/syntax/ast.js";
import { parseSource } from "../../src/syntax/parse.js";

/**
 * The reference: every property of every node, generically (what unused-declaration used to
 * do). The typed walk must find exactly the same names, so it cannot miss a new kind of use.
 */
function genericRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) genericRefs(n, into);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const o = node as Record<string, unknown>;
  const name = (v: unknown) => (v as { name?: string } | undefined)?.name ?? "";
  if (o["kind"] === "name" && typeof o["name"] === "string") into.add(o["name"]);
  if (o["kind"] === "buffer-ref") into.add(name(o["name"]));
  if (o["kind"] === "slice") into.add(name(o["target"]));
  if (o["kind"] === "word" && typeof o["word"] === "string") into.add(o["word"]);
  for (const k in o) if (!k.endsWith("pan")) genericRefs(o[k], into);
}

function genericStatementRefs(s: Statement, into: Set<string>): void {
  if (s.kind === "endpoint" && s.mapper) into.add(s.mapper.name);
  if (s.kind === "domain" || s.kind === "container") into.add(s.mapper.name);
  if (s.kind === "memory" && s.guest) into.add(s.guest.name);
  if (s.kind === "domain")
    for (const item of s.items) {
      if (item.kind === "nested") into.add(item.parent.name);
      if (item.kind === "tables") into.add(item.pool.name);
    }
  if (s.kind === "map" || s.kind === "reservation") into.add(s.target.name.name);
  if (s.kind === "scenario")
    for (const step of s.steps) {
      if (step.kind === "map" || step.kind === "unmap") into.add(step.target.name.name);
      if (step.kind === "attach") into.add(step.domain.name);
    }
  genericRefs(s, into);
}

function vcmFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) return vcmFiles(p);
    return p.endsWith(".vcm") ? [p] : [];
  });
}

/** A name (n1..n52) in every position the grammar allows an expression or a reference. */
const EVERY_POSITION = `
const a1 = n1
memory m1 n2 .. +n3 ram owner o1
pool p1 in m1[n4 .. +n5]
iommu s1 : fmt { pool p1; k1 w1; k2 n6 .. n7; k3 (n8 + -n9) }
device d1 behind s1 stream n10 group n11 dma-mask n12 offset n13
domain dm1 on s1 { type dma; aperture n14 .. n15; reserve n16 .. +n17; msi n18 .. +n19; attach d1 }
buffer b1[n20] in m1 size n21 align n22 at n23
buffer b2 chunks [ m1[n24 .. +n25], m2[n26 .. +n27] ]
map b1[n28] -> dm1 at n29 rw pages n30
map b1[*] -> c1.w1 at auto r
container c1 on s1 : spapr-v2 {
  groups n31 n32; locked-limit n33; host-page n34; register m1[n35 .. +n36]
  window w1 at n37 size n38 page n39 levels n40
}
reservation r1 in dm5 size n50 align n51 at n52
expect d1 reads b1[n41]
expect d1 faults at n42
expect d1 sees m1[n43 .. +n44] at n45
scenario sc1 {
  map b7 -> dm2 at auto r
  unmap b8 from dm3
  migrate b3[n46] to m3
  revoke m4 dummy b4[n47]
  register c2 m5[n48 .. +n49]
  unregister c3 b5
  attach d2 to dm4
  detach d3
  power-off m6
  restore m7
  expect d4 cannot write b6
}
`;

const SOURCES = [EVERY_POSITION, ...vcmFiles("samples"), ...vcmFiles("test")].map((f) =>
  f === EVERY_POSITION ? f : readFileSync(f, "utf8"),
);

function sameRefs(text: string): void {
  for (const s of parseSource(text, "t.vcm").ast.statements) {
    const typed = new Set<string>();
    const generic = new Set<string>();
    statementRefs(s, typed);
    genericStatementRefs(s, generic);
    expect([...typed].sort(), `${s.kind} at ${s.span.line}`).toEqual([...generic].sort());
  }
}

describe("unused-declaration's reference walk", () => {
  test("the every-position source parses whole and uses every name", () => {
    const r = parseSource(EVERY_POSITION, "every.vcm");
    expect(r.diagnostics.map((d) => d.message)).toEqual([]);
    const used = new Set<string>();
    for (const s of r.ast.statements) statementRefs(s, used);
    for (let i = 1; i <= 52; i++) expect(used, `n${i}`).toContain(`n${i}`);
    for (const n of ["w1", "p1", "s1", "dm1", "b1", "m1", "m2", "b7", "dm2", "b8", "dm3", "dm5"])
      expect(used, n).toContain(n);
  });

  test("finds the same names as a walk over every property, on every sample", () => {
    expect(SOURCES.length).toBeGreaterThan(5);
    for (const text of SOURCES) sameRefs(text);
  });

  test("and on damaged samples (whatever statements survive parsing)", () => {
    const all = SOURCES.join("\n");
    const edit = fc.record({
      at: fc.nat({ max: all.length }),
      remove: fc.nat({ max: 20 }),
      insert: fc.constantFrom("", "x", "[", "]", "(", "+ k", "..", "\n", "{", "}", "[*]", " w "),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), (edits) => {
        let text = all;
        for (const e of edits) text = text.slice(0, e.at) + e.insert + text.slice(e.at + e.remove);
        sameRefs(text);
      }),
      { numRuns: Number(process.env["FUZZ_RUNS"] ?? 20) },
    );
  });
});
