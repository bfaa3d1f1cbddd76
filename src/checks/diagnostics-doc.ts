/**
 * docs/DIAGNOSTICS.md, generated from the catalogue and the check engine (as Muen generates its
 * validator list): `npm run docs:diagnostics`. A test fails when the committed file is stale.
 */
import {
  CODE_RANGES,
  catalogueEntries,
  type CatalogueEntry,
  type DiagnosticPhase,
} from "../diagnostics/catalogue.js";
import { prerequisiteName, type Check } from "./check.js";
import { CHECKS } from "./impl/index.js";

const PHASE_TITLES: Record<DiagnosticPhase, string> = {
  syntax: "Syntax",
  load: "Loading (files, imports, plugins, configuration)",
  resolve: "Resolution (names, constants, placement, parameters)",
  check: "Checks on the resolved topology",
  lower: "Lowering (building the page tables)",
  run: "Run (the proof from the emitted bytes, and `--tables` loading)",
};

const HEADER = `# Diagnostics

<!-- Generated from src/diagnostics/catalogue/ by \`npm run docs:diagnostics\`; do not edit. -->

Every diagnostic VCM emits, by phase and code. Each has a stable code (\`VCMnnnn\`) and a kebab
name; either one works in \`-W no-NAME\` (disable), \`-W NAME\` (warn), \`-E NAME\` (error) and in
\`// vcm: disable|warn|error NAME\` directives (the file) and \`// vcm: disable-line NAME\` /
\`disable-next-line NAME\` (one line: grammar/REFERENCE.md, "Directives"), except those marked
**fixed**. A message shows its template: \`{name}\` stands for a value filled in at the line that
is reported.

Checks on the resolved topology run in dependency order. A check whose prerequisite failed (or
was skipped or disabled) is skipped with a note saying so; raising a check to an error raises
its prerequisites too. Each check has a cost: **cheap** checks read the topology only and are
what a language server runs on every change; **needs-plugins** checks ask the format plugins.
`;

/** Inline code; text holding a backquote is fenced by two, padded only where it starts or ends with one. */
function code(text: string): string {
  if (!text.includes("`")) return `\`${text}\``;
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `\`\`${pad}${text}${pad}\`\``;
}

function entrySection(e: CatalogueEntry, check: Check | undefined): string {
  const lines = [`### ${e.code} ${e.name}`, ""];
  const facts = [e.severity + (e.fixed ? ", **fixed**" : "")];
  if (check) {
    facts.push(`cost ${check.cost}`);
    if (check.needs.length > 0)
      facts.push(`needs ${check.needs.map((p) => code(prerequisiteName(p))).join(", ")}`);
  }
  lines.push(`${e.description} _(${facts.join("; ")})_`, "");
  const messages = Object.values(e.messages).map((m) => m.template);
  if (e.template !== "{message}") lines.push(`- message: ${code(e.template)}`);
  for (const t of messages) lines.push(`- also: ${code(t)}`);
  if (lines.at(-1) !== "") lines.push("");
  return lines.join("\n");
}

export function renderDiagnosticsDoc(): string {
  const checks = new Map(CHECKS.map((c) => [c.entry.name, c]));
  const parts = [HEADER];
  for (const phase of Object.keys(PHASE_TITLES) as DiagnosticPhase[]) {
    const [lo, hi] = CODE_RANGES[phase];
    const pad = (n: number) => String(n).padStart(4, "0");
    parts.push(`## ${PHASE_TITLES[phase]} (VCM${pad(lo)}-${pad(hi)})\n`);
    for (const e of catalogueEntries())
      if (e.phase === phase) parts.push(entrySection(e, checks.get(e.name)));
  }
  return parts.join("\n").replace(/\n+$/, "\n");
}
