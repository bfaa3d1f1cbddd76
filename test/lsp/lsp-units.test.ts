/**
 * The language server's parts in process (no spawn): completion contexts, the diagnostics book
 * (an imported file's findings merged over importers), the check scheduler's coalescing,
 * formatting edits through a formatter function, and the settings.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { Analyzer } from "../../src/lsp/analysis.js";
import { codeActions } from "../../src/lsp/code-actions.js";
import { completionAt } from "../../src/lsp/completion.js";
import { hoverAt } from "../../src/lsp/hover.js";
import { definitionAt, referencesAt } from "../../src/lsp/navigation.js";
import { documentSymbols, foldingRanges } from "../../src/lsp/outline.js";
import { prepareRename } from "../../src/lsp/rename.js";
import { semanticTokens } from "../../src/lsp/semantic-tokens.js";
import { WorkspaceFiles } from "../../src/lsp/workspace-files.js";
import { DiagnosticsBook, toLspDiagnostic } from "../../src/lsp/diagnostics.js";
import { formatJson } from "../../src/diagnostics/printers/json.js";
import { checkTopology } from "../../src/pipeline/check-topology.js";
import { formatDocumentEdits, formatRangeEdits } from "../../src/lsp/formatting.js";
import { uriOfPath } from "../../src/lsp/positions.js";
import { CheckScheduler } from "../../src/lsp/scheduler.js";
import { ExpensiveFindings, shiftSpan } from "../../src/lsp/expensive-findings.js";
import { LineTable, TextSpan, type Span } from "../../src/diagnostics/span.js";
import { DEFAULT_DEBOUNCE_MS, initialSettings, pulledSettings } from "../../src/lsp/settings.js";

const TOPOLOGY = `topology t
memory ddr 0x8000_0000 .. +1G ram
memory regs 0x0 .. +16M mmio
pool tables in ddr[0 .. +16M]
iommu smmu : arm-lpae { stage 1 }
mmu cmmu : arm-lpae { stage 1 }
cpu a53 via cmmu
device vdec behind smmu
domain dom on smmu { attach vdec }
buffer frame in ddr size 2M
container c0 on smmu : spapr-v2 { groups 1
}
`;

/** Completion labels at the end of `TOPOLOGY + extra` (the cursor after the last character). */
async function labelsAfter(extra: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "vcm-lsp-unit-"));
  mkdirSync(join(dir, ".git"));
  const path = join(dir, "t.vcm");
  const text = TOPOLOGY + extra;
  writeFileSync(path, text);
  const analyzer = new Analyzer({ cwd: dir, plugins: [], config: true }, () => undefined);
  const analysis = await analyzer.analyze(path);
  const document = TextDocument.create(uriOfPath(path), "vcm", 1, text);
  const items = completionAt(
    { analysis, document, uri: document.uri, path, file: analysis.fileNameOf(path)! },
    document.positionAt(text.length),
  );
  return items.map((i) => i.label);
}

describe("completion by position", () => {
  it("knows statement keywords, clauses and the kind of name each position takes", async () => {
    expect(await labelsAfter("")).toEqual(expect.arrayContaining(["memory", "map", "scenario"]));
    expect(await labelsAfter("cpu c2 via ")).toEqual(["cmmu"]);
    expect(await labelsAfter("buffer b2 in ")).toEqual(["ddr", "regs"]);
    expect(await labelsAfter("map ")).toEqual(expect.arrayContaining(["frame", "ddr"]));
    expect(await labelsAfter("map frame -> ")).toEqual(
      expect.arrayContaining(["dom", "a53", "vdec"]),
    );
    expect(await labelsAfter("map frame -> dom ")).toEqual(
      expect.arrayContaining(["at", "rw", "cacheable", "pages"]),
    );
    expect(await labelsAfter("expect ")).toEqual(["a53", "vdec"]);
    expect(await labelsAfter("expect vdec cannot ")).toEqual(["read", "write", "execute"]);
  });

  it("knows block items: domain, container, scenario steps, mapper parameters", async () => {
    expect(await labelsAfter("domain d2 on smmu { type ")).toEqual([
      "dma",
      "identity",
      "blocked",
      "unmanaged",
    ]);
    expect(await labelsAfter("scenario s {\n  ")).toEqual(
      expect.arrayContaining(["migrate", "detach", "power-off"]),
    );
    expect(await labelsAfter("scenario s {\n  migrate frame to ")).toEqual(["ddr", "regs"]);
    expect(await labelsAfter("scenario s {\n  attach vdec to ")).toEqual(["dom"]);
    expect(await labelsAfter("iommu s2 : arm-lpae { pool ")).toEqual(["tables"]);
    expect(await labelsAfter("iommu s2 : gart { outside ")).toEqual(["passthrough", "blocked"]);
    expect(await labelsAfter("container c1 on smmu : ")).toEqual(["spapr-v1", "spapr-v2"]);
  });

  it("offers nothing inside an ordinary comment, actions and checks in a directive", async () => {
    expect(await labelsAfter("// a note about ")).toEqual([]);
    expect(await labelsAfter("// vcm: ")).toEqual([
      "disable",
      "warn",
      "error",
      "disable-line",
      "disable-next-line",
    ]);
    expect(await labelsAfter("// vcm: warn ")).toContain("iova-overlap");
  });
});

const at = (file: string, line: number): Diagnostic => ({
  code: "VCM0100",
  check: "unresolved-name",
  severity: "error",
  message: `unknown name at ${line}`,
  span: { file, offset: 0, endOffset: 1, line, column: 1, endLine: line, endColumn: 2 },
});

describe("the diagnostics book", () => {
  it("publishes an open file's own check, and merges a closed import's findings once", () => {
    const book = new DiagnosticsBook();
    const a = uriOfPath("/w/a.vcm");
    const b = uriOfPath("/w/b.vcm");
    const shared = uriOfPath("/w/shared.vcm");
    const open = new Set([a, b]);
    const isOpen = (u: string) => open.has(u);
    expect([...book.record(a, [at("a.vcm", 1), at("shared.vcm", 3)], "/w")].sort()).toEqual(
      [a, shared].sort(),
    );
    book.record(b, [at("shared.vcm", 3), at("shared.vcm", 4)], "/w");
    expect(book.forFile(a, isOpen).map((d) => d.range.start.line)).toEqual([0]);
    expect(book.forFile(b, isOpen)).toEqual([]);
    expect(book.forFile(shared, isOpen).map((d) => d.range.start.line)).toEqual([2, 3]);
    // Once shared.vcm is open itself, only its own check counts.
    open.add(shared);
    expect(book.forFile(shared, isOpen)).toEqual([]);
    open.delete(shared);
    expect([...book.drop(a)].sort()).toEqual([a, shared].sort());
    expect(book.forFile(shared, isOpen).map((d) => d.range.start.line)).toEqual([2, 3]);
  });
});

describe("the check scheduler", () => {
  it("coalesces a burst of edits into the running check and one more", async () => {
    let checks = 0;
    let release: () => void = () => {};
    const scheduler = new CheckScheduler(async () => {
      checks++;
      await new Promise<void>((r) => (release = r));
    }, 10);
    const first = scheduler.now("u");
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(checks).toBe(1);
    for (let i = 0; i < 5; i++) void scheduler.now("u");
    release();
    await new Promise((r) => setImmediate(r));
    expect(checks).toBe(2);
    release();
    await first;
    expect(checks).toBe(2);
  });

  it("debounces `later` until requests stop", async () => {
    let checks = 0;
    const scheduler = new CheckScheduler(async () => void checks++, 30);
    for (let i = 0; i < 4; i++) {
      scheduler.later("u");
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(checks).toBe(0);
    await new Promise((r) => setTimeout(r, 60));
    await scheduler.idle("u");
    expect(checks).toBe(1);
  });
});

describe("formatting edits", () => {
  const upper = (t: string) => (t.includes("!") ? undefined : t.replace(/map/g, "MAP"));
  it("replaces only what the formatter changed, and nothing for text it cannot format", () => {
    const doc = TextDocument.create("file:///x.vcm", "vcm", 1, "a\nmap b\nc\n");
    expect(formatDocumentEdits(doc, upper)).toEqual([
      {
        range: { start: { line: 1, character: 0 }, end: { line: 1, character: 3 } },
        newText: "MAP",
      },
    ]);
    expect(formatDocumentEdits(doc, (t) => t)).toEqual([]);
    const bad = TextDocument.create("file:///y.vcm", "vcm", 1, "map !\n");
    expect(formatDocumentEdits(bad, upper)).toBeNull();
  });

  it("formats the whole lines of a range", () => {
    const doc = TextDocument.create("file:///x.vcm", "vcm", 1, "map a\nmap b\nmap c\n");
    const range = { start: { line: 1, character: 2 }, end: { line: 1, character: 4 } };
    expect(formatRangeEdits(doc, range, upper)).toEqual([
      {
        range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } },
        newText: "MAP b\n",
      },
    ]);
  });
});

describe("settings", () => {
  it("take trust from the command line and initialization options; malformed values are ignored", () => {
    expect(initialSettings(undefined, "/w")).toEqual({
      analysis: { cwd: "/w", plugins: [], config: true },
      debounceMs: DEFAULT_DEBOUNCE_MS,
    });
    expect(
      initialSettings(
        { plugins: ["./p.js", 3], useConfig: true, root: "sub", debounceMs: 50 },
        "/w",
        { plugins: ["/abs/q.js"], config: false },
      ),
    ).toEqual({
      analysis: { cwd: "/w", plugins: ["/abs/q.js", "./p.js"], config: false, root: "/w/sub" },
      debounceMs: 50,
    });
    expect(initialSettings({ debounceMs: -1, plugins: "x" }, "/w").debounceMs).toBe(
      DEFAULT_DEBOUNCE_MS,
    );
  });

  it("from the pulled configuration (a workspace's own settings) only narrow trust", () => {
    const start = initialSettings({ plugins: ["./p.js"] }, "/w");
    const pulled = pulledSettings(
      { plugins: ["./evil.js"], useConfig: false, root: "/", debounceMs: 10 },
      start,
    );
    expect(pulled).toEqual({
      analysis: { cwd: "/w", plugins: ["./p.js"], config: false },
      debounceMs: 10,
    });
    expect(pulledSettings({ useConfig: true }, pulled).analysis.config).toBe(false);
  });
});

describe("the same diagnostics as vcm check", () => {
  const ROOT = fileURLToPath(new URL("../..", import.meta.url));
  const files = [
    ...readdirSync(join(ROOT, "samples"))
      .filter((f) => f.endsWith(".vcm"))
      .map((f) => join(ROOT, "samples", f)),
    ...readdirSync(join(ROOT, "test/fixtures/checks"))
      .filter((f) => f.endsWith(".vcm"))
      .map((f) => join(ROOT, "test/fixtures/checks", f)),
  ];

  it("on every sample and check fixture, as open documents and re-checked from the parse cache", async () => {
    let compared = 0;
    for (const file of files) {
      const cli = await checkTopology(file, { cwd: ROOT });
      const expected = formatJson(cli.diagnostics, [file], "x");
      const text = readFileSync(file, "utf8");
      const analyzer = new Analyzer({ cwd: ROOT, plugins: [], config: true }, (p) =>
        p === file ? text : undefined,
      );
      for (let round = 0; round < 2; round++) {
        const analysis = await analyzer.analyze(file);
        expect(
          formatJson(analysis.checked.diagnostics, [file], "x"),
          `${file} round ${round}`,
        ).toBe(expected);
        for (const d of analysis.checked.diagnostics) {
          const lsp = toLspDiagnostic(d, ROOT);
          expect(lsp.code).toBe(d.check);
          expect(lsp.source).toBe(`vcm ${d.code}`);
          if (d.span)
            expect(lsp.range.start).toEqual({
              line: d.span.line - 1,
              character: d.span.column - 1,
            });
          expect(lsp.relatedInformation?.length ?? 0).toBe(d.related?.length ?? 0);
          compared++;
        }
      }
    }
    // The fixtures hold findings of every layer: the comparison is not vacuous.
    expect(compared).toBeGreaterThan(20);
  });
});

describe("requests on half-typed text", () => {
  it("answer at every position of every prefix of a sample, without throwing", async () => {
    const ROOT = fileURLToPath(new URL("../..", import.meta.url));
    const sample = readFileSync(join(ROOT, "samples/video-pipeline.vcm"), "utf8");
    const dir = mkdtempSync(join(tmpdir(), "vcm-lsp-prefix-"));
    mkdirSync(join(dir, ".git"));
    mkdirSync(join(dir, "common"));
    writeFileSync(
      join(dir, "common/arm-soc.vcm"),
      readFileSync(join(ROOT, "samples/common/arm-soc.vcm"), "utf8"),
    );
    const path = join(dir, "v.vcm");
    let text = "";
    const analyzer = new Analyzer({ cwd: dir, plugins: [], config: true }, (p) =>
      p === path ? text : undefined,
    );
    const files = new WorkspaceFiles(analyzer);
    files.setFolders([dir], dir);
    let answered = 0;
    // Cut inside statements, names, numbers and blocks: every 97th character.
    for (let cut = 0; cut <= sample.length; cut += 97) {
      text = sample.slice(0, cut);
      const analysis = await analyzer.analyze(path);
      const document = TextDocument.create(uriOfPath(path), "vcm", 1, text);
      const c = { analysis, document, uri: document.uri, path, file: analysis.fileNameOf(path)! };
      for (let offset = 0; offset <= text.length; offset += 13) {
        const position = document.positionAt(offset);
        hoverAt(c, position);
        completionAt(c, position);
        definitionAt(c, position);
        referencesAt(c, position, true, files);
        prepareRename(c, position);
        codeActions(c, {
          textDocument: { uri: document.uri },
          range: { start: position, end: position },
          context: { diagnostics: [] },
        });
        answered++;
      }
      documentSymbols(c);
      foldingRanges(c);
      semanticTokens(c);
    }
    expect(answered).toBeGreaterThan(500);
  });
});

describe("vcm lsp on the command line", () => {
  it("needs --stdio (the only transport), a usage error without it", async () => {
    const { runCli } = await import("../../src/cli/program.js");
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof write;
    try {
      expect(await runCli(["lsp"])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(written.join("")).toBe("vcm: error: lsp: pass --stdio (the only transport)\n");
  });
});

describe("did-you-mean quick fixes", () => {
  it("replace the misspelt word of an unknown format, parameter or check name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vcm-lsp-fix-"));
    mkdirSync(join(dir, ".git"));
    const path = join(dir, "t.vcm");
    const text =
      TOPOLOGY +
      "iommu s2 : arm-lpa { stage 1 }\n" +
      "iommu s3 : arm-lpae { stage 1; granul 4K }\n" +
      "// vcm: disable unused-declarations\n";
    writeFileSync(path, text);
    const analysis = await new Analyzer(
      { cwd: dir, plugins: [], config: true },
      () => undefined,
    ).analyze(path);
    const document = TextDocument.create(uriOfPath(path), "vcm", 1, text);
    const c = { analysis, document, uri: document.uri, path, file: analysis.fileNameOf(path)! };
    const fixes = analysis.checked.diagnostics
      .map((d) => toLspDiagnostic(d, dir))
      .flatMap((d) =>
        codeActions(c, {
          textDocument: { uri: document.uri },
          range: d.range,
          context: { diagnostics: [d] },
        }),
      )
      .filter((a) => a.title.startsWith("Change"))
      .map((a) => {
        const edit = a.edit!.changes![document.uri]![0]!;
        return `${a.title} @${edit.range.start.line}:${edit.range.start.character}`;
      });
    expect(fixes.sort()).toEqual([
      "Change 'arm-lpa' to 'arm-lpae' @12:11",
      "Change 'granul' to 'granule' @13:31",
      "Change 'unused-declarations' to 'unused-declaration' @14:16",
    ]);
  });
});

describe("hover on a map step of a scenario", () => {
  it("gives the mapping's fixed address and planned leaves (scenarios are not lowered up front)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vcm-lsp-step-"));
    mkdirSync(join(dir, ".git"));
    const path = join(dir, "t.vcm");
    const text = TOPOLOGY + "scenario s {\n  map frame -> dom at 0x4000_0000 rw\n}\n";
    writeFileSync(path, text);
    const analysis = await new Analyzer(
      { cwd: dir, plugins: [], config: true },
      () => undefined,
    ).analyze(path);
    const document = TextDocument.create(uriOfPath(path), "vcm", 1, text);
    const c = { analysis, document, uri: document.uri, path, file: analysis.fileNameOf(path)! };
    const hover = hoverAt(c, { line: 13, character: 3 });
    expect((hover!.contents as { value: string }).value).toContain(
      "- `frame`: at `0x4000_0000 .. 0x4020_0000` (2 MiB); leaves 1 × 2M",
    );
  });
});

describe("the expensive checks' kept findings", () => {
  const at = (lines: LineTable, offset: number) => {
    const line = lines.lineOf(offset);
    return { offset, line, column: lines.columnOf(offset, line) };
  };
  const plain = (s: Span) => ({
    offset: s.offset,
    endOffset: s.endOffset,
    line: s.line,
    column: s.column,
    endLine: s.endLine,
    endColumn: s.endColumn,
  });

  it("move with an edit before them exactly as a span of the new text, and go when touched", () => {
    const text = fc.string({ unit: fc.constantFrom("a", "b", "\n"), minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(
        text,
        fc.string({ unit: fc.constantFrom("x", "\n"), maxLength: 6 }),
        fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
        (before, insert, picks) => {
          const [s, e, a, b] = picks.map((p) => p % (before.length + 1)) as [
            number,
            number,
            number,
            number,
          ];
          const [start, end] = s <= e ? [s, e] : [e, s];
          const [from, to] = a <= b ? [a, b] : [b, a];
          const oldLines = LineTable.of("f.vcm", before);
          const edit = { start: at(oldLines, start), end: at(oldLines, end), text: insert };
          const after = before.slice(0, start) + insert + before.slice(end);
          const newLines = LineTable.of("f.vcm", after);
          const moved = shiftSpan(new TextSpan(oldLines, from, to), edit);
          const delta = insert.length - (end - start);
          if (to < start) expect(plain(moved!)).toEqual(plain(new TextSpan(newLines, from, to)));
          else if (from > end)
            expect(plain(moved!)).toEqual(plain(new TextSpan(newLines, from + delta, to + delta)));
          else expect(moved).toBeUndefined();
        },
      ),
    );
  });

  it("are kept per root and only the expensive checks' ones", () => {
    const findings = new ExpensiveFindings();
    const span = (line: number): Span => ({
      file: "a.vcm",
      offset: line * 10,
      endOffset: line * 10 + 5,
      line,
      column: 1,
      endLine: line,
      endColumn: 6,
    });
    const d = (check: string, line: number): Diagnostic => ({
      code: "VCM0000",
      check,
      severity: "error",
      message: check,
      span: span(line),
    });
    findings.record("u", [d("unresolved-name", 1), d("misaligned-address", 3)]);
    expect(findings.carried("u").map((x) => x.check)).toEqual(["misaligned-address"]);
    const edit = (line: number, text: string) => ({
      start: { offset: line * 10, line, column: 1 },
      end: { offset: line * 10, line, column: 1 },
      text,
    });
    findings.edited("b.vcm", edit(1, "\n"));
    expect(findings.carried("u")[0]!.span!.line).toBe(3);
    findings.edited("a.vcm", edit(1, "\n"));
    expect(findings.carried("u")[0]!.span!.line).toBe(4);
    const { offset, line } = findings.carried("u")[0]!.span!;
    const where = { offset, line, column: 1 };
    findings.edited("a.vcm", { start: where, end: where, text: "x" });
    expect(findings.carried("u")).toEqual([]);
  });
});

describe("hover on an mmu with a translation regime", () => {
  it("names the regime, its one privilege level and WXN", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vcm-lsp-regime-"));
    mkdirSync(join(dir, ".git"));
    const path = join(dir, "t.vcm");
    const text = readFileSync(
      fileURLToPath(new URL("../../samples/el3-firmware.vcm", import.meta.url)),
      "utf8",
    );
    writeFileSync(path, text);
    const analysis = await new Analyzer(
      { cwd: dir, plugins: [], config: true },
      () => undefined,
    ).analyze(path);
    const document = TextDocument.create(uriOfPath(path), "vcm", 1, text);
    const c = { analysis, document, uri: document.uri, path, file: analysis.fileNameOf(path)! };
    const at = (word: string) => document.positionAt(text.indexOf(word) + 1);
    const value = (word: string) => (hoverAt(c, at(word))!.contents as { value: string }).value;
    expect(value("el3_mmu :")).toContain(
      "translation regime: EL3 (one privilege level: every mapping is `priv`), WXN",
    );
    expect(value("el1_mmu :")).toContain("translation regime: EL1&0  \n");
  });
});
