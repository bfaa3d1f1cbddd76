// Renders images/screenshot.png: a sample tokenised by VS Code's own TextMate engine
// (vscode-textmate with the Oniguruma WebAssembly build, as VS Code runs it) using the
// extension's grammar, coloured with the Dark+ theme's token colours, drawn as an HTML page
// and photographed by headless Chromium (Debian's, driven by playwright-core). It is not a
// capture of a VS Code window: it is what the grammar paints in one.
//   npm ci --prefix editors/vscode && npm run screenshot --prefix editors/vscode
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import oniguruma from "vscode-oniguruma";
import textmate from "vscode-textmate";

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const root = join(here, "..", "..");
const require = createRequire(import.meta.url);
const sample = process.argv[2] ?? join(root, "samples", "video-pipeline.vcm");
const lines = readFileSync(sample, "utf8").replace(/\n$/, "").split("\n").slice(0, 40);

// Dark+ token colours (VS Code's default dark theme), longest scope prefix wins.
const THEME = [
  ["comment", "#6A9955"],
  ["string", "#CE9178"],
  ["constant.numeric", "#B5CEA8"],
  ["constant.character.escape", "#D7BA7D"],
  ["keyword.control", "#C586C0"],
  ["keyword.operator", "#D4D4D4"],
  ["keyword", "#569CD6"],
  ["storage", "#569CD6"],
  ["variable", "#9CDCFE"],
];
function colour(scopes) {
  let best = ["", "#D4D4D4"];
  for (const scope of scopes) {
    for (const [prefix, c] of THEME) {
      if ((scope === prefix || scope.startsWith(prefix + ".")) && prefix.length >= best[0].length) {
        best = [prefix, c];
      }
    }
  }
  return best[1];
}

const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
await oniguruma.loadWASM(wasm);
const registry = new textmate.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }),
  loadGrammar: async () =>
    textmate.parseRawGrammar(
      readFileSync(join(root, "grammar", "vcm.tmLanguage.json"), "utf8"),
      "vcm.tmLanguage.json",
    ),
});
const grammar = await registry.loadGrammar("source.vcm");

const escape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
let state = textmate.INITIAL;
const rows = lines.map((line, i) => {
  const r = grammar.tokenizeLine(line, state);
  state = r.ruleStack;
  const spans = r.tokens
    .map((t) => {
      const text = line.slice(t.startIndex, t.endIndex);
      return `<span style="color:${colour(t.scopes)}">${escape(text)}</span>`;
    })
    .join("");
  return `<div class="row"><span class="n">${i + 1}</span><span class="code">${spans}</span></div>`;
});

const name = sample.split("/").at(-1);
const html = `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; background: #1E1E1E; font: 13px/19px "DejaVu Sans Mono", monospace; }
.title { background: #3C3C3C; color: #CCCCCC; font: 12px sans-serif; padding: 6px 12px; }
.tab { background: #1E1E1E; color: #FFFFFF; display: inline-block; padding: 6px 14px;
  font: 12px sans-serif; border-top: 1px solid #0078D4; }
.tabs { background: #252526; }
.editor { padding: 6px 0 10px; }
.row { white-space: pre; color: #D4D4D4; }
.n { display: inline-block; width: 44px; padding-right: 18px; text-align: right; color: #858585; }
.status { background: #007ACC; color: #FFFFFF; font: 12px sans-serif; padding: 3px 12px; }
</style></head><body>
<div class="title">${escape(name)} — VCM</div>
<div class="tabs"><span class="tab">${escape(name)}</span></div>
<div class="editor">${rows.join("\n")}</div>
<div class="status">VCM &nbsp; Ln 1, Col 1 &nbsp; Spaces: 2 &nbsp; UTF-8 &nbsp; LF</div>
</body></html>`;

mkdirSync(join(here, "images"), { recursive: true });
const page = join(here, "images", "screenshot.html");
writeFileSync(page, html);
const { chromium } = require(join(root, "node_modules", "playwright-core"));
const browser = await chromium.launch({
  executablePath: process.env.VCM_CHROMIUM ?? "/usr/bin/chromium",
});
try {
  const tab = await browser.newPage({
    viewport: { width: 980, height: 200 },
    deviceScaleFactor: 1,
  });
  await tab.goto("file://" + page);
  await tab.screenshot({ path: join(here, "images", "screenshot.png"), fullPage: true });
} finally {
  await browser.close();
}
console.log(`wrote ${join(here, "images", "screenshot.png")}`);
