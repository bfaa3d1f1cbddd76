/**
 * `vcm run FILE --html report.html`: one self-contained page (styles, pictures, data and script
 * inline; nothing fetched) with the summary table, the mapping graph and the address-space
 * picture, every failure with its walk trace (the text `vcm run` and `vcm explain` print), the
 * per-scenario step results and an offline address search. No timestamps or timings: the same
 * run gives the same bytes.
 */
import type { CompiledTopology } from "../lowering/compiled.js";
import type { RunReport } from "../runtime/report.js";
import { failureText, leavesText } from "../runtime/report-text.js";
import { buildTopologyGraph } from "./graph-model.js";
import { graphSvg } from "./graph-svg.js";
import { layoutSvg } from "./layout-svg.js";
import { reachRows } from "./reach.js";
import { REPORT_SCRIPT } from "./report-script.js";
import { pictureStyle } from "./theme.js";
import { esc } from "./xml.js";

const PAGE_STYLE = [
  "body{margin:0 auto;max-width:1100px;padding:16px 24px;background:var(--bg);color:var(--fg);",
  "font:14px/1.45 system-ui,sans-serif}",
  "h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line)}",
  "h3{font-size:14px;margin:12px 0 4px}",
  "table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}",
  "th{background:var(--panel)}td.num{text-align:right;font-variant-numeric:tabular-nums}",
  ".ok{color:var(--ok);font-weight:bold}.fail{color:var(--fault);font-weight:bold}",
  "pre{background:var(--panel);padding:8px;overflow-x:auto;font-size:12px;white-space:pre}",
  ".picture{overflow-x:auto;border:1px solid var(--line);margin:8px 0}.picture svg{display:block}",
  "nav a{margin-right:12px;color:inherit}input{font:inherit;padding:2px 6px;width:20em}",
  "button{font:inherit}",
  "@media print{nav,#search{display:none}.picture{overflow:visible;border:none}.picture svg{max-width:100%;height:auto}pre{white-space:pre-wrap}}",
].join("");

function endpointTable(report: RunReport): string {
  const rows = report.endpoints.map(
    (e) =>
      `<tr><td>${esc(e.endpoint)}</td><td>${esc(e.route)}</td><td class="num">${e.pagesChecked}</td><td class="num">${e.pagesReachable}</td><td>${esc(leavesText(e.leaves))}</td><td class="${e.ok ? "ok" : "fail"}">${e.ok ? "ok" : `FAIL (${e.failures})`}</td></tr>`,
  );
  return `<table id="summary-table"><thead><tr><th>endpoint</th><th>route</th><th>pages</th><th>reachable</th><th>leaves</th><th>result</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function expectList(report: RunReport): string {
  if (report.expects.length === 0) return "<p>No <code>expect</code> lines.</p>";
  const items = report.expects.map(
    (x) =>
      `<li><span class="${x.ok ? "ok" : "fail"}">${x.ok ? "ok" : "FAIL"}</span> expect ${esc(x.text)}</li>`,
  );
  return `<ul id="expects">${items.join("")}</ul>`;
}

function failureList(report: RunReport): string {
  if (report.failures.length === 0) return `<p id="no-failures" class="ok">No failures.</p>`;
  const items = report.failures.map(
    (f) => `<li class="failure"><pre>${esc(failureText(f))}</pre></li>`,
  );
  const more =
    report.failureCount > report.failures.length
      ? `<p>... and ${report.failureCount - report.failures.length} more failure(s) (raise --max-failures to list them).</p>`
      : "";
  return `<ol id="failure-list">${items.join("")}</ol>${more}`;
}

function scenarioTables(report: RunReport): string {
  if (report.scenarios.length === 0) return "<p>No scenario was played.</p>";
  return report.scenarios
    .map((s) => {
      const rows = s.steps.map(
        (st) =>
          `<tr><td class="num">${st.step}</td><td>${esc(st.text)}</td><td class="${st.ok ? "ok" : "fail"}">${st.ok ? "ok" : "FAIL"}</td><td>${esc(st.reverified.join(", "))}</td><td class="num">${st.pagesChecked}</td><td>${esc(st.notes.join("; "))}</td></tr>`,
      );
      return (
        `<h3 class="scenario" data-scenario="${esc(s.name)}">scenario ${esc(s.name)}: <span class="${s.ok ? "ok" : "fail"}">${s.ok ? "ok" : "FAILED"}</span></h3>` +
        `<table><thead><tr><th>step</th><th>what</th><th>result</th><th>re-proved</th><th>pages</th><th>notes</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
      );
    })
    .join("");
}

/** The reach table as compact JSON; `<` escaped so it can never close the script element. */
function reachJson(compiled: CompiledTopology): string {
  const data = reachRows(compiled).map((r) => ({
    e: r.endpoint,
    via: r.via,
    t: r.table,
    a: "0x" + r.address.toString(16),
    p: "0x" + r.pa.toString(16),
    s: "0x" + r.size.toString(16),
    r: r.rights,
    m: r.memory,
    ...(r.buffer !== undefined ? { b: r.buffer } : {}),
  }));
  return JSON.stringify(data).replace(/</g, "\\u003c");
}

export async function runReportHtml(
  report: RunReport,
  compiled: CompiledTopology,
): Promise<string> {
  const graph = await graphSvg(buildTopologyGraph(compiled.ir), { idPrefix: "graph" });
  const layout = layoutSvg(compiled, { idPrefix: "layout" });
  const name = esc(report.topology);
  const status =
    report.status === "proved"
      ? `<p id="status" class="ok">proved: ${report.pagesChecked} pages on ${report.endpoints.length} endpoint(s) see exactly the intended memory</p>`
      : `<p id="status" class="fail">FAILED: ${report.failureCount} failure(s)</p>`;
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>vcm run: ${name}</title>`,
    `<style>${pictureStyle()}${PAGE_STYLE}</style>`,
    "</head>",
    "<body>",
    `<h1>vcm run: ${name}</h1>`,
    status,
    '<nav><a href="#summary">summary</a><a href="#search">address search</a><a href="#failures">failures</a><a href="#scenarios">scenarios</a><a href="#graph">graph</a><a href="#layout">address spaces</a></nav>',
    `<section id="summary"><h2>Summary</h2>${endpointTable(report)}${expectList(report)}</section>`,
    '<section id="search"><h2>Who reaches an address?</h2>',
    '<form id="search-form"><label for="search-address">address (physical, or an endpoint\'s IOVA / VA / bus address)</label> ',
    '<input id="search-address" name="address" placeholder="0x8000_0000" autocomplete="off"> <button type="submit">search</button></form>',
    '<div id="search-results" aria-live="polite"></div></section>',
    `<section id="failures"><h2>Failures (${report.failureCount})</h2>${failureList(report)}</section>`,
    `<section id="scenarios"><h2>Scenarios</h2>${scenarioTables(report)}</section>`,
    `<section id="graph"><h2>Mapping graph</h2><div class="picture">${graph}</div></section>`,
    `<section id="layout"><h2>Address spaces and physical map</h2><div class="picture">${layout}</div></section>`,
    `<script type="application/json" id="vcm-reach">${reachJson(compiled)}</script>`,
    `<script>${REPORT_SCRIPT}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
