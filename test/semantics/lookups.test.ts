/**
 * The resolver's shortcuts (issue 14) resolve as the plain lookups did: declarations set in
 * reverse (the first stays), the two names bound last remembered, the last `map` target
 * remembered, a buffer's pieces made once and shared.
 */
import { describe, expect, test } from "vitest";
import { resolve } from "../../src/semantics/resolve.js";
import { parseAll } from "../checks/harness.js";
import { fakeRegistry } from "../fixtures/fake-plugins.js";

function run(text: string) {
  const { files } = parseAll({ "t.vcm": text });
  return resolve(files, fakeRegistry());
}

const checks = (r: ReturnType<typeof run>) => r.diagnostics.map((d) => d.check);

const BASE =
  "memory ddr 0x8000_0000 .. +64M ram\npool p in ddr[0 .. +1M]\n" +
  "iommu s : arm-lpae { ias 32 }\ndevice dev behind s stream 1\n" +
  "domain d on s { attach dev }\n";

describe("declarations", () => {
  test("the first of three declarations wins; each later one is reported at itself", () => {
    const r = run("const X = 1\nmemory X 0 .. +4K ram\nconst X = 2\nconst Y = X + 1\n");
    expect(checks(r)).toEqual(["duplicate-name", "duplicate-name"]);
    expect(r.diagnostics.map((d) => d.span!.line)).toEqual([2, 3]);
    for (const d of r.diagnostics) expect(d.related![0]!.span.line).toBe(1);
    expect(r.ir.consts).toEqual({ X: 1n, Y: 2n });
    expect(r.ir.memories).toEqual([]);
  });

  test("a duplicate buffer is neither placed nor listed", () => {
    const r = run(BASE + "buffer b in ddr size 4K\nbuffer b in ddr size 8K\n");
    expect(checks(r)).toEqual(["duplicate-name"]);
    expect(r.ir.buffers.map((b) => [b.name, b.size])).toEqual([["b", 4096n]]);
  });

  test("suggestions keep the declarations' order", () => {
    // 'ab' and 'ba' are both one edit from 'aa'; the first declared is suggested.
    const r = run("memory ab 0 .. +4K ram\nmemory ba 0x1000 .. +4K ram\nbuffer x in aa size 4K\n");
    expect(r.diagnostics.map((d) => d.hint)).toEqual(["did you mean 'ab'?"]);
  });
});

describe("names bound in a row", () => {
  test("a name bound just before is still checked for its kind", () => {
    // `ddr` binds as a memory on line 6, then is named where a domain is wanted.
    const r = run(BASE + "buffer b in ddr size 4K\nmap b -> ddr rw\n");
    expect(checks(r)).toEqual(["wrong-kind"]);
  });

  test("an unknown name is reported each time, even right after itself", () => {
    const r = run(BASE + "buffer b in ddr size 4K\nmap b -> nowhere rw\nmap b -> nowhere r\n");
    expect(checks(r)).toEqual(["unresolved-name", "unresolved-name"]);
  });

  test("the same target on consecutive lines, then with a member", () => {
    const r = run(
      BASE +
        "buffer a in ddr size 4K\nbuffer b in ddr size 4K\n" +
        "map a -> d rw\nmap b -> d r\nmap a -> d.w rw\n",
    );
    expect(checks(r)).toEqual(["wrong-kind"]);
    expect(r.ir.mappings.map((m) => [m.source.buffer, m.target.name])).toEqual([
      ["a", "d"],
      ["b", "d"],
    ]);
  });
});

describe("shared pieces", () => {
  test("one buffer mapped twice: equal mappings sharing one source, ids apart", () => {
    const r = run(
      BASE +
        "domain e on s { }\nbuffer b in ddr size 4K\nmap b -> d rw\nmap b -> e r\nexpect dev reads b\n",
    );
    expect(checks(r)).toEqual([]);
    const [m0, m1] = r.ir.mappings;
    expect(m0!.source).toEqual({
      memory: "ddr",
      chunks: [{ pa: m0!.source.chunks[0]!.pa, size: 4096n }],
      size: 4096n,
      buffer: "b",
    });
    expect(m1!.source).toBe(m0!.source);
    expect([m0!.id, m1!.id]).toEqual([0, 1]);
    expect([m0!.target.name, m1!.target.name]).toEqual(["d", "e"]);
    const e = r.ir.expects[0]!.expectation;
    expect(e.kind === "access" && e.object).toEqual({
      buffers: ["b"],
      memory: "ddr",
      chunks: m0!.source.chunks,
    });
  });

  test("an array element and the whole array", () => {
    const r = run(BASE + "buffer f[3] in ddr size 4K\nmap f[1] -> d rw\nmap f[*] -> d r\n");
    expect(checks(r)).toEqual([]);
    expect(r.ir.mappings.map((m) => m.source.buffer)).toEqual(["f[1]", "f[0]", "f[1]", "f[2]"]);
    expect(r.ir.mappings[2]!.source).toBe(r.ir.mappings[0]!.source);
  });
});

describe("IOMMU groups without keys", () => {
  test("default domains in the order of each group's first member, groups per IOMMU", () => {
    const r = run(
      "memory m 0 .. +4M ram\npool p in m\n" +
        "iommu s : arm-lpae { ias 36 }\niommu t : arm-lpae { ias 36 }\n" +
        "device u1 behind s\ndevice a behind s group 1\ndevice u2 behind s\n" +
        "device b behind s group 1\ndevice c behind t group 1\n",
    );
    expect(checks(r)).toEqual([]);
    expect(r.ir.domains.map((d) => [d.name, d.attached])).toEqual([
      ["s.default.u1", ["u1"]],
      ["s.default.g1", ["a", "b"]],
      ["s.default.u2", ["u2"]],
      ["t.default.g1", ["c"]],
    ]);
  });
});
