/**
 * The real `vcm lsp --stdio`, driven over JSON-RPC as an editor drives it. One server for the
 * whole file (spawns are costly); the cases run in order on one small project: a shared
 * `soc.vcm` imported by `main.vcm`, a topology that `use`s a plugin nobody allowed, and a
 * half-typed file.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  CodeAction,
  CompletionItem,
  Diagnostic,
  DocumentSymbol,
  FoldingRange,
  Hover,
  Location,
  SemanticTokens,
  TextEdit,
  WorkspaceEdit,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { TestEditor, uriOf } from "./lsp-client.js";

const SOC = `// The shared part of the platform.
memory ddr 0x8000_0000 .. +1G ram
pool tables in ddr[0 .. +16M]
iommu smmu : arm-lpae { stage 1; granule 4K; ias 32; oas 40 }
device vdec behind smmu stream 0x10
domain dom on smmu { type dma; aperture 0 .. 4G; attach vdec }
`;

const MAIN = `topology main
import "soc.vcm"

buffer pad in ddr size 4K
buffer frame in ddr size 2M align 4K
map pad -> dom at auto r
map fram -> dom at auto rw
`;

const MAIN_FIXED = MAIN.replace("map fram ->", "map frame ->");

const EVIL = `import { writeFileSync } from "node:fs";
writeFileSync(new URL("./MARKER", import.meta.url), "ran");
export default {};
`;

const UNTRUSTED = `topology u
use "./evil.mjs"
memory ram 0x4000_0000 .. +1G ram
pool tables in ram[0 .. +4M]
`;

const HALF_TYPED = `topology h
import "soc.vcm"
buffer b in ddr size 64K
map b -> 
iommu x : arm-lpae { granule 
domain d2 on { attach 
`;

/** A finding of an expensive check (misaligned-address asks the format plugin for page sizes). */
const SLOW = `topology slow
import "soc.vcm"
buffer b in ddr size 4K
map b -> dom at 0x1001 rw
`;

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let dir: string;
let editor: TestEditor;
let initialized: unknown;
const path = (name: string) => join(dir, name);
const pos = (line: number, character: number) => ({ line, character });
const doc = (name: string) => ({ textDocument: { uri: uriOf(path(name)) } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vcm-lsp-"));
  mkdirSync(join(dir, ".git"));
  for (const [name, text] of Object.entries({
    "soc.vcm": SOC,
    "main.vcm": MAIN,
    "evil.mjs": EVIL,
    "untrusted.vcm": UNTRUSTED,
    "half.vcm": HALF_TYPED,
  }))
    writeFileSync(join(dir, name), text);
  editor = new TestEditor(dir);
  initialized = await editor.initialize(dir);
});

afterAll(async () => {
  const code = await editor.shutdown();
  expect(code).toBe(0);
  expect(editor.stderr).toBe("");
});

describe("vcm lsp --stdio", () => {
  it("advertises its capabilities", () => {
    const result = initialized as { capabilities: Record<string, unknown> };
    for (const c of [
      "hoverProvider",
      "definitionProvider",
      "referencesProvider",
      "renameProvider",
      "documentSymbolProvider",
      "workspaceSymbolProvider",
      "foldingRangeProvider",
      "semanticTokensProvider",
      "completionProvider",
      "codeActionProvider",
    ])
      expect(result.capabilities[c], c).toBeTruthy();
  });

  let unresolved: Diagnostic;
  it("publishes an unresolved name with its range, check name, code and docs link", async () => {
    await editor.open(path("main.vcm"));
    const ds = await editor.diagnosticsFor(path("main.vcm"), (d) => d.length > 0);
    unresolved = ds.find((d) => d.code === "unresolved-name")!;
    expect(unresolved).toBeDefined();
    expect(unresolved.range).toEqual({ start: pos(6, 4), end: pos(6, 8) });
    expect(unresolved.source).toBe("vcm VCM0100");
    expect(unresolved.severity).toBe(1);
    expect(unresolved.message).toContain("unknown name 'fram'");
    expect(unresolved.message).toContain("did you mean 'frame'?");
    expect(unresolved.codeDescription?.href).toMatch(
      /^file:\/\/.*\/docs\/DIAGNOSTICS\.md#vcm0100-unresolved-name$/,
    );
  });

  it("offers 'did you mean' and 'disable' quick fixes", async () => {
    const actions = await editor.request<CodeAction[]>("textDocument/codeAction", {
      ...doc("main.vcm"),
      range: unresolved.range,
      context: { diagnostics: [unresolved] },
    });
    const fix = actions.find((a) => a.title === "Change 'fram' to 'frame'");
    expect(fix?.edit?.changes?.[uriOf(path("main.vcm"))]).toEqual([
      { range: { start: pos(6, 4), end: pos(6, 8) }, newText: "frame" },
    ]);
    const edits = (title: string) =>
      actions.find((a) => a.title === title)?.edit?.changes?.[uriOf(path("main.vcm"))];
    const line = edits("Disable 'unresolved-name' on this line");
    expect(line).toEqual([
      {
        range: { start: pos(6, 26), end: pos(6, 26) },
        newText: "  // vcm: disable-line unresolved-name",
      },
    ]);
    expect(edits("Disable 'unresolved-name' in this file and the files it imports")).toEqual([
      { range: { start: pos(0, 0), end: pos(0, 0) }, newText: "// vcm: disable unresolved-name\n" },
    ]);
    // Applied, the line directive silences the finding (and only on that line).
    const document = TextDocument.create(uriOf(path("main.vcm")), "vcm", 1, MAIN);
    const silenced = TextDocument.applyEdits(document, line!);
    await editor.change(path("main.vcm"), silenced + "map fram -> dom at auto r\n");
    const ds = await editor.diagnosticsFor(path("main.vcm"), (d) =>
      d.some((x) => x.code === "unresolved-name" && x.range.start.line === 7),
    );
    expect(ds.filter((d) => d.code === "unresolved-name").map((d) => d.range.start.line)).toEqual([
      7,
    ]);
    await editor.change(path("main.vcm"), MAIN);
  });

  it("clears the diagnostic when the name is fixed", async () => {
    await editor.change(path("main.vcm"), MAIN_FIXED);
    const ds = await editor.diagnosticsFor(
      path("main.vcm"),
      (d) => !d.some((x) => x.code === "unresolved-name"),
    );
    expect(ds.filter((d) => d.severity === 1)).toEqual([]);
  });

  it("hovers a buffer with its absolute range and size, a mapper with its geometry", async () => {
    const buffer = await editor.request<Hover>("textDocument/hover", {
      ...doc("main.vcm"),
      position: pos(4, 9),
    });
    const text = (buffer.contents as { value: string }).value;
    expect(text).toContain("**buffer** `frame`");
    expect(text).toContain("2 MiB each in `ddr`, aligned to 4 KiB");
    // `pad` takes the first 4K page after the 16M pool: frame follows it.
    expect(text).toContain("`0x8100_1000 .. 0x8120_1000` (2 MiB)");
    const mapper = await editor.request<Hover>("textDocument/hover", {
      ...doc("main.vcm"),
      position: pos(6, 14),
    });
    expect((mapper.contents as { value: string }).value).toContain("dma domain on `smmu`");
  });

  it("hovers a map line with its IOVA and leaves per page size (from the lowering)", async () => {
    const hover = await editor.request<Hover>("textDocument/hover", {
      ...doc("main.vcm"),
      position: pos(6, 1),
    });
    const text = (hover.contents as { value: string }).value;
    expect(text).toContain("**map** → `dom`");
    // 2M at a PA aligned only to 4K: the IOVA keeps the PA's offset modulo 2M, so 512 4K leaves.
    expect(text).toMatch(
      /`frame`: IOVA `0x[0-9a-f_]+ \.\. 0x[0-9a-f_]+` \(2 MiB\); leaves 512 × 4K in table `dom`/,
    );
    expect(text).toContain("page sizes offered: 4K, 2M, 1G");
  });

  it("offers to align the buffer to the page size, counting the leaves saved", async () => {
    const actions = await editor.request<CodeAction[]>("textDocument/codeAction", {
      ...doc("main.vcm"),
      range: { start: pos(6, 0), end: pos(6, 0) },
      context: { diagnostics: [] },
    });
    const align = actions.find((a) => a.title.startsWith("Align 'frame'"));
    expect(align?.title).toBe("Align 'frame' to 2M: 512 → 1 leaves (saves 511)");
    expect(align?.edit?.changes?.[uriOf(path("main.vcm"))]).toEqual([
      { range: { start: pos(4, 34), end: pos(4, 36) }, newText: "2M" },
    ]);
  });

  it("goes to a definition in an imported file and finds references in both", async () => {
    const def = await editor.request<Location>("textDocument/definition", {
      ...doc("main.vcm"),
      position: pos(6, 16),
    });
    expect(def).toEqual({
      uri: uriOf(path("soc.vcm")),
      range: { start: pos(5, 7), end: pos(5, 10) },
    });
    const file = await editor.request<Location>("textDocument/definition", {
      ...doc("main.vcm"),
      position: pos(1, 10),
    });
    expect(file).toEqual({
      uri: uriOf(path("soc.vcm")),
      range: { start: pos(0, 0), end: pos(0, 0) },
    });
    const refs = await editor.request<Location[]>("textDocument/references", {
      ...doc("main.vcm"),
      position: pos(3, 15),
      context: { includeDeclaration: true },
    });
    const places = refs.map(
      (r) => `${r.uri.replace(/^.*\//, "")}:${r.range.start.line}:${r.range.start.character}`,
    );
    // half.vcm imports soc.vcm too: its use of `ddr` is found although it is not open.
    expect(places.sort()).toEqual([
      "half.vcm:2:12",
      "main.vcm:3:14",
      "main.vcm:4:16",
      "soc.vcm:1:7",
      "soc.vcm:2:15",
    ]);
  });

  it("renames across the import, and refuses a name that is taken", async () => {
    const edit = await editor.request<WorkspaceEdit>("textDocument/rename", {
      ...doc("main.vcm"),
      position: pos(3, 15),
      newName: "dram",
    });
    expect(edit.changes?.[uriOf(path("soc.vcm"))]?.length).toBe(2);
    expect(edit.changes?.[uriOf(path("main.vcm"))]?.length).toBe(2);
    expect(
      Object.values(edit.changes!)
        .flat()
        .every((e) => e.newText === "dram"),
    ).toBe(true);
    await expect(
      editor.request("textDocument/rename", {
        ...doc("main.vcm"),
        position: pos(3, 15),
        newName: "frame",
      }),
    ).rejects.toThrow(/already declared/);
    await expect(
      editor.request("textDocument/rename", {
        ...doc("main.vcm"),
        position: pos(3, 15),
        newName: "1bad",
      }),
    ).rejects.toThrow(/not a VCM name/);
  });

  it("completes plugin names, a plugin's parameter keys and values, and check names", async () => {
    const text = MAIN_FIXED + "iommu io2 : \n";
    await editor.change(path("main.vcm"), text);
    const plugins = await editor.request<CompletionItem[]>("textDocument/completion", {
      ...doc("main.vcm"),
      position: pos(7, 12),
    });
    expect(plugins.map((i) => i.label)).toEqual(
      expect.arrayContaining(["arm-lpae", "intel-vtd", "x86-64"]),
    );

    await editor.change(path("main.vcm"), MAIN_FIXED + "iommu io2 : arm-lpae { stage 1; \n");
    const keys = await editor.request<CompletionItem[]>("textDocument/completion", {
      ...doc("main.vcm"),
      position: pos(7, 32),
    });
    expect(keys.map((i) => i.label)).toEqual(
      expect.arrayContaining(["granule", "ias", "oas", "stage", "pool"]),
    );

    await editor.change(
      path("main.vcm"),
      MAIN_FIXED + "iommu io2 : arm-lpae { stage 1; granule \n",
    );
    const values = await editor.request<CompletionItem[]>("textDocument/completion", {
      ...doc("main.vcm"),
      position: pos(7, 40),
    });
    expect(values.map((i) => i.label)).toEqual(expect.arrayContaining(["4K", "16K", "64K"]));

    await editor.change(path("main.vcm"), MAIN_FIXED + "// vcm: disable \n");
    const checks = await editor.request<CompletionItem[]>("textDocument/completion", {
      ...doc("main.vcm"),
      position: pos(7, 16),
    });
    expect(checks.map((i) => i.label)).toEqual(
      expect.arrayContaining(["unresolved-name", "unused-declaration"]),
    );

    await editor.change(path("main.vcm"), MAIN_FIXED + "device d behind \n");
    const mappers = await editor.request<CompletionItem[]>("textDocument/completion", {
      ...doc("main.vcm"),
      position: pos(7, 16),
    });
    expect(mappers.map((i) => i.label)).toEqual(["smmu"]);
    await editor.change(path("main.vcm"), MAIN_FIXED);
  });

  it("re-checks an importer when the imported file changes", async () => {
    await editor.open(path("soc.vcm"));
    await editor.change(
      path("soc.vcm"),
      SOC.replace("memory ddr", "memory dram").replace("ddr[", "dram["),
    );
    const ds = await editor.diagnosticsFor(path("main.vcm"), (d) =>
      d.some((x) => x.code === "unresolved-name"),
    );
    expect(ds.filter((d) => d.code === "unresolved-name").map((d) => d.range.start.line)).toEqual([
      3, 4,
    ]);
    await editor.change(path("soc.vcm"), SOC);
    await editor.diagnosticsFor(
      path("main.vcm"),
      (d) => !d.some((x) => x.code === "unresolved-name"),
    );
    await editor.close(path("soc.vcm"));
    // Closed, changed on disk: the client's file watcher says so.
    const changed = async (text: string) => {
      writeFileSync(path("soc.vcm"), text);
      await editor.connection.sendNotification("workspace/didChangeWatchedFiles", {
        changes: [{ uri: uriOf(path("soc.vcm")), type: 2 }],
      });
    };
    await changed(SOC.replace("memory ddr", "memory dram").replace("ddr[", "dram["));
    await editor.diagnosticsFor(path("main.vcm"), (d) =>
      d.some((x) => x.code === "unresolved-name"),
    );
    await changed(SOC);
    await editor.diagnosticsFor(
      path("main.vcm"),
      (d) => !d.some((x) => x.code === "unresolved-name"),
    );
  });

  it("publishes the cheap checks first, keeping the expensive checks' findings moved with the edit", async () => {
    const file = path("slow.vcm");
    const uri = uriOf(file);
    /** The publications of `version`, once both (cheap checks, then all) have arrived. */
    const both = async (version: number) => {
      const of = () => editor.published.filter((p) => p.uri === uri && p.version === version);
      await editor.diagnosticsFor(file, () => of().length >= 2);
      return of().map((p) => p.diagnostics.map((d) => `${d.code}@${d.range.start.line}`));
    };
    await editor.open(file, SLOW); // never saved: other cases search the files on disk
    expect(await both(1)).toEqual([[], ["misaligned-address@3"]]);
    // A line inserted above: the kept finding moves down with its line, in both publications.
    await editor.edit(file, { start: pos(0, 0), end: pos(0, 0) }, "\n");
    expect(await both(2)).toEqual([["misaligned-address@4"], ["misaligned-address@4"]]);
    // An edit inside the finding's range drops it at once: the text it was about changed.
    await editor.edit(file, { start: pos(4, 16), end: pos(4, 22) }, "0x2000");
    expect(await both(3)).toEqual([[], []]);
    // Broken again: only the full check (after debounceMs) knows.
    await editor.edit(file, { start: pos(4, 16), end: pos(4, 22) }, "0x1001");
    expect(await both(4)).toEqual([[], ["misaligned-address@4"]]);
    await editor.close(file);
  });

  it("does not load a plugin only a `use` line names, and says so at that line", async () => {
    await editor.open(path("untrusted.vcm"));
    const ds = await editor.diagnosticsFor(path("untrusted.vcm"), (d) => d.length > 0);
    const refused = ds.filter((d) => d.source === "vcm VCM0023");
    expect(refused).toHaveLength(1);
    expect(refused[0]!.code).toBe("plugin-not-allowed");
    expect(refused[0]!.range.start).toEqual(pos(1, 4));
    expect(existsSync(path("MARKER"))).toBe(false);
    const hover = await editor.request<Hover>("textDocument/hover", {
      ...doc("untrusted.vcm"),
      position: pos(1, 8),
    });
    expect((hover.contents as { value: string }).value).toBe(
      "**use** `./evil.mjs`: not loaded (VCM0023, see the diagnostic)",
    );
    expect(existsSync(path("MARKER"))).toBe(false);
  });

  it("runs a plugin the project configuration allows: the `use` line is satisfied", async () => {
    // The fixture's folder has a vcm.config.json naming the plugin.
    const toy = join(ROOT, "test/fixtures/plugins/toy-flat/topology.vcm");
    await editor.open(toy);
    const ds = await editor.diagnosticsFor(toy, () => true);
    expect(ds).toEqual([]);
    const hover = await editor.request<Hover>("textDocument/hover", {
      textDocument: { uri: uriOf(toy) },
      position: pos(5, 7),
    });
    expect((hover.contents as { value: string }).value).toContain("format `toy-flat` (");
    const use = await editor.request<Hover>("textDocument/hover", {
      textDocument: { uri: uriOf(toy) },
      position: pos(2, 8),
    });
    expect((use.contents as { value: string }).value).toMatch(
      /^\*\*use\*\* `\.\/index\.js`: plugin `toy-flat` [0-9.]+, loaded/,
    );
    await editor.close(toy);
  });

  it("answers every request on a half-typed file and stays up", async () => {
    await editor.open(path("half.vcm"));
    await editor.diagnosticsFor(path("half.vcm"), (d) => d.some((x) => x.code === "syntax-error"));
    const at = (line: number, character: number) => ({
      ...doc("half.vcm"),
      position: pos(line, character),
    });
    const hover = await editor.request<Hover | null>("textDocument/hover", at(2, 8));
    expect((hover!.contents as { value: string }).value).toContain("64 KiB");
    const targets = await editor.request<CompletionItem[]>("textDocument/completion", at(3, 9));
    expect(targets.map((i) => i.label)).toEqual(expect.arrayContaining(["dom", "vdec"]));
    const values = await editor.request<CompletionItem[]>("textDocument/completion", at(4, 29));
    expect(values.map((i) => i.label)).toContain("4K");
    const devices = await editor.request<CompletionItem[]>("textDocument/completion", at(5, 22));
    expect(devices.map((i) => i.label)).toEqual(["vdec"]);
    for (let line = 0; line < 7; line++)
      for (const character of [0, 5, 12, 40]) {
        await editor.request("textDocument/hover", at(line, character));
        await editor.request("textDocument/completion", at(line, character));
        await editor.request("textDocument/definition", at(line, character));
      }
    const symbols = await editor.request<DocumentSymbol[]>(
      "textDocument/documentSymbol",
      doc("half.vcm"),
    );
    expect(symbols.map((s) => s.name)).toEqual(expect.arrayContaining(["h", "b"]));
    const tokens = await editor.request<SemanticTokens>(
      "textDocument/semanticTokens/full",
      doc("half.vcm"),
    );
    expect(tokens.data.length % 5).toBe(0);
    // Still serving: the main document answers.
    const after = await editor.request<Hover>("textDocument/hover", {
      ...doc("main.vcm"),
      position: pos(4, 9),
    });
    expect((after.contents as { value: string }).value).toContain("`frame`");
  });

  it("formats a document through vcm fmt's formatter when the build has one", async () => {
    const module = join(ROOT, "dist/src/format/index.js");
    const capabilities = (initialized as { capabilities: Record<string, unknown> }).capabilities;
    // Offered exactly when the formatter is there (src/format/, issue 11's `vcm fmt`).
    expect(Boolean(capabilities.documentFormattingProvider)).toBe(existsSync(module));
    expect(Boolean(capabilities.documentRangeFormattingProvider)).toBe(existsSync(module));
    if (!existsSync(module)) return;
    const { formatVcm } = (await import(pathToFileURL(module).href)) as {
      formatVcm: (text: string) => string;
    };
    const messy = "topology   f\nmemory  ddr   0x8000_0000 .. +1G ram   // main memory\n";
    await editor.open(path("messy.vcm"), messy);
    const edits = await editor.request<TextEdit[]>("textDocument/formatting", {
      ...doc("messy.vcm"),
      options: { tabSize: 2, insertSpaces: true },
    });
    expect(edits.length).toBeGreaterThan(0);
    expect(TextDocument.applyEdits(TextDocument.create("x", "vcm", 1, messy), edits)).toBe(
      formatVcm(messy),
    );
    // A file that does not parse is left alone.
    await editor.change(path("messy.vcm"), "map -> -> (\n");
    const none = await editor.request<TextEdit[] | null>("textDocument/formatting", {
      ...doc("messy.vcm"),
      options: { tabSize: 2, insertSpaces: true },
    });
    expect(none).toBeNull();
    await editor.close(path("messy.vcm"));
  });

  it("checks an untitled document as if saved in the workspace folder", async () => {
    const uri = "untitled:Untitled-1";
    await editor.connection.sendNotification("textDocument/didOpen", {
      textDocument: {
        uri,
        languageId: "vcm",
        version: 1,
        text: 'import "soc.vcm"\nmap fram -> dom rw\n',
      },
    });
    const deadline = Date.now() + 20_000;
    while (!editor.diagnostics.get(uri)?.length && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const ds = editor.diagnostics.get(uri) ?? [];
    // `dom` resolves through the import next to it; `fram` does not.
    expect(ds.map((d) => `${d.code}@${d.range.start.line}:${d.range.start.character}`)).toEqual([
      "unresolved-name@1:4",
    ]);
    const hover = await editor.request<Hover>("textDocument/hover", {
      textDocument: { uri },
      position: pos(1, 13),
    });
    expect((hover.contents as { value: string }).value).toContain("**domain** `dom`");
    await editor.connection.sendNotification("textDocument/didClose", { textDocument: { uri } });
  });

  it("gives an outline, folding ranges, semantic tokens and workspace symbols", async () => {
    const symbols = await editor.request<DocumentSymbol[]>(
      "textDocument/documentSymbol",
      doc("main.vcm"),
    );
    expect(symbols.map((s) => `${s.detail} ${s.name}`)).toEqual([
      "topology main",
      "buffer pad",
      "buffer frame",
    ]);
    await editor.change(path("main.vcm"), MAIN_FIXED + "scenario s {\n  migrate frame to ddr\n}\n");
    const folds = await editor.request<FoldingRange[]>(
      "textDocument/foldingRange",
      doc("main.vcm"),
    );
    expect(folds).toContainEqual(expect.objectContaining({ startLine: 7, endLine: 9 }));
    const tokens = await editor.request<SemanticTokens>(
      "textDocument/semanticTokens/full",
      doc("main.vcm"),
    );
    // The first token is `main` (line 0, col 9, 4 long), a declaration.
    expect(tokens.data.slice(0, 3)).toEqual([0, 9, 4]);
    const ws = await editor.request<{ name: string; location: Location }[]>("workspace/symbol", {
      query: "smm",
    });
    expect(ws.map((s) => s.name)).toEqual(["smmu"]);
    expect(ws[0]!.location.uri).toBe(uriOf(path("soc.vcm")));
  });
});
