/**
 * Completion from the words before the cursor, so it works on the half-typed statement that
 * did not parse: the statement keyword decides which clauses may follow (grammar/REFERENCE.md)
 * and which kind of name a position takes (`behind` an IOMMU, `in` a region, `->` a target);
 * names come from the document's last check (its imports included); inside a mapper's `{ }`
 * the keys and values come from its plugin's parameter schema; in a `// vcm:` directive, the
 * check names.
 */
import { DIRECTIVE_ACTIONS } from "../syntax/directives.js";
import {
  CompletionItemKind,
  MarkupKind,
  type CompletionItem,
  type Position,
} from "vscode-languageserver";
import { listChecks } from "../checks/registry.js";
import { statementStarters } from "../syntax/tokens.js";
import type { ParamSpec } from "../plugin-api/types.js";
import type { DocumentContext } from "./server.js";
import type { SymbolKind } from "./symbol-index.js";
import { pageSizeName } from "./units.js";

/** Every statement keyword, from the lexer's own list (its labels are the quoted words). */
const STATEMENTS = [...statementStarters].map((t) => t.LABEL!.slice(1, -1));
const STEPS = [
  "map",
  "expect",
  "migrate",
  "unmap",
  "revoke",
  "restore",
  "register",
  "unregister",
  "attach",
  "detach",
  "power-off",
];
const DOMAIN_ITEMS = [
  "type",
  "aperture",
  "reserve",
  "msi",
  "unity",
  "attach",
  "stage",
  "nested",
  "tables",
];
const CONTAINER_ITEMS = [
  "groups",
  "owner",
  "locked-limit",
  "host-page",
  "backing-page",
  "register",
  "window",
  "remove",
];
const MAP_CLAUSES = [
  "at",
  "r",
  "rw",
  "rx",
  "rwx",
  "w",
  "x",
  "priv",
  "cacheable",
  "noncacheable",
  "device",
  "shareable",
  "outer-shareable",
  "nonshareable",
  "secure",
  "nonsecure",
  "p2p",
  "pin",
  "pages",
];
const MEMORY_REGIONS: SymbolKind[] = ["memory"];
const MEMORY_REFS: SymbolKind[] = ["buffer", "memory"];
const TARGETS: SymbolKind[] = ["domain", "cpu", "device", "dma", "reservation"];
const VALUES: SymbolKind[] = ["const", "memory", "buffer", "reservation"];
const ENDPOINTS: SymbolKind[] = ["cpu", "device", "dma"];

type Want = { keywords?: readonly string[]; names?: readonly SymbolKind[]; plugins?: boolean };

/** What may follow in a top-level statement, from its words so far. */
function statementWants(words: string[]): Want {
  const [head] = words;
  const last = words[words.length - 1] ?? "";
  if (words.length === 0) return { keywords: STATEMENTS };
  if (head === "mmu" || head === "iommu") {
    if (last === ":" || (words.length === 2 && last.endsWith(":"))) return { plugins: true };
    return {};
  }
  if (head === "container") {
    if (last === "on") return { names: ["iommu"] };
    if (last === ":" || last.endsWith(":")) return { keywords: ["spapr-v1", "spapr-v2"] };
    return words.length === 2 ? { keywords: ["on"] } : {};
  }
  if (head === "cpu")
    return last === "via" ? { names: ["mmu"] } : words.length >= 2 ? { keywords: ["via"] } : {};
  if (head === "device" || head === "dma") {
    if (last === "behind") return { names: ["iommu"] };
    if (words.length >= 2 && !["stream", "group", "dma-mask", "offset"].includes(last))
      return { keywords: ["behind", "stream", "group", "dma-mask", "offset"] };
    return words.length > 2 ? { names: ["const"] } : {};
  }
  if (head === "domain") {
    if (last === "on") return { names: ["iommu", "mmu"] };
    return words.length === 2 ? { keywords: ["on"] } : {};
  }
  if (head === "pool")
    return last === "in"
      ? { names: MEMORY_REGIONS }
      : words.length === 2
        ? { keywords: ["in"] }
        : {};
  if (head === "buffer") {
    if (last === "in") return { names: MEMORY_REGIONS };
    if (["size", "align", "at"].includes(last)) return { names: VALUES };
    if (last === "chunks" || last.endsWith("[") || last.endsWith(","))
      return { names: MEMORY_REGIONS };
    return words.length >= 2 ? { keywords: ["in", "size", "align", "at", "chunks"] } : {};
  }
  if (head === "memory") {
    if (last === "owner") return { names: ["device"] };
    if (last === "guest") return { names: ["domain"] };
    if (last === "backed") return { names: MEMORY_REGIONS };
    if (words.length >= 3)
      return {
        keywords: ["ram", "mmio", "reserved", "owner", "pinnable", "secure", "guest", "backed"],
        names: VALUES,
      };
    return {};
  }
  if (head === "reservation") {
    if (last === "in") return { names: ["domain", "cpu", "device"] };
    if (["size", "align", "at"].includes(last)) return { names: VALUES };
    return words.length >= 2 ? { keywords: ["in", "size", "align", "at"] } : {};
  }
  if (head === "map") return mapWants(words);
  if (head === "expect") return expectWants(words);
  if (head === "const") return last === "=" || words.length > 3 ? { names: VALUES } : {};
  return {};
}

function mapWants(words: string[]): Want {
  const last = words[words.length - 1] ?? "";
  if (words.length === 1) return { names: MEMORY_REFS };
  if (last === "->") return { names: [...TARGETS, "window"] };
  if (last === "at") return { keywords: ["auto"], names: VALUES };
  if (last === "pages") return { keywords: ["4K", "64K", "2M", "1G"], names: ["const"] };
  if (words.includes("->")) return { keywords: MAP_CLAUSES };
  return { keywords: ["->"] };
}

function expectWants(words: string[]): Want {
  const last = words[words.length - 1] ?? "";
  if (words.length === 1) return { names: ENDPOINTS };
  if (words.length === 2)
    return { keywords: ["reads", "writes", "executes", "cannot", "faults", "sees"] };
  if (last === "cannot") return { keywords: ["read", "write", "execute"] };
  if (last === "faults") return { keywords: ["at"] };
  if (last === "at") return { names: VALUES };
  if (words[2] === "sees" && words.length === 4) return { keywords: ["at"] };
  return words.length <= 4 ? { names: MEMORY_REFS } : {};
}

function stepWants(words: string[]): Want {
  const [head] = words;
  const last = words[words.length - 1] ?? "";
  if (words.length === 0) return { keywords: STEPS };
  switch (head) {
    case "map":
      return mapWants(words);
    case "expect":
      return expectWants(words);
    case "migrate":
      return words.length === 1
        ? { names: ["buffer"] }
        : last === "to"
          ? { names: MEMORY_REGIONS }
          : { keywords: ["to"] };
    case "unmap":
      return words.length === 1
        ? { names: MEMORY_REFS }
        : last === "from"
          ? { names: [...TARGETS, "window"] }
          : { keywords: ["from"] };
    case "revoke":
      return words.length === 1
        ? { names: MEMORY_REGIONS }
        : last === "dummy"
          ? { names: ["buffer"] }
          : { keywords: ["dummy"] };
    case "restore":
    case "power-off":
      return words.length === 1 ? { names: MEMORY_REGIONS } : {};
    case "register":
    case "unregister":
      return words.length === 1 ? { names: ["container"] } : { names: MEMORY_REFS };
    case "attach":
      return words.length === 1
        ? { names: ["device"] }
        : last === "to"
          ? { names: ["domain"] }
          : { keywords: ["to"] };
    case "detach":
      return words.length === 1 ? { names: ["device"] } : {};
  }
  return {};
}

function domainItemWants(words: string[]): Want {
  const [head] = words;
  if (words.length === 0) return { keywords: DOMAIN_ITEMS };
  if (head === "type")
    return words.length === 1 ? { keywords: ["dma", "identity", "blocked", "unmanaged"] } : {};
  if (head === "attach") return { names: ["device"] };
  if (head === "stage") return words.length === 1 ? { keywords: ["1", "2"] } : {};
  if (head === "nested") return words.length === 1 ? { names: ["domain"] } : {};
  if (head === "tables") return words.length === 1 ? { names: ["pool"] } : {};
  return { names: VALUES };
}

function containerItemWants(words: string[]): Want {
  const [head] = words;
  const last = words[words.length - 1] ?? "";
  if (words.length === 0) return { keywords: CONTAINER_ITEMS };
  if (head === "remove") return words.length === 1 ? { keywords: ["default32"] } : {};
  if (head === "register") return { names: MEMORY_REFS };
  if (head === "window") {
    if (["at", "size", "page", "levels"].includes(last)) return { names: ["const"] };
    return words.length >= 2
      ? { keywords: ["at", "size", "page", "levels"] }
      : { keywords: ["default32"] };
  }
  if (head === "owner") return {};
  return { names: ["const"] };
}

/** Words of `text`, with `->` `:` `=` `{` `}` apart; `partial` is the word being typed. */
function wordsOf(text: string): { words: string[]; partial: string } {
  const spaced = text.replace(/->/g, " -> ").replace(/([:={}])/g, " $1 ");
  const words = spaced.split(/\s+/).filter((w) => w.length > 0);
  const partial = /\s$/.test(spaced) || spaced.length === 0 ? "" : (words.pop() ?? "");
  return { words, partial };
}

/** The innermost `{` before `offset` that is still open, or -1. */
function openBrace(text: string, offset: number): number {
  let depth = 0;
  for (let i = offset - 1; i >= 0; i--) {
    const ch = text.charCodeAt(i);
    if (ch === 125 /* } */) depth++;
    else if (ch === 123 /* { */) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function lineStart(text: string, offset: number): number {
  const nl = Math.max(text.lastIndexOf("\n", offset - 1), text.lastIndexOf("\r", offset - 1));
  return nl + 1;
}

function keywordItems(words: readonly string[]): CompletionItem[] {
  return words.map((label) => ({ label, kind: CompletionItemKind.Keyword }));
}

function paramValueText(v: string | bigint, spec: ParamSpec): string {
  return typeof v === "bigint" ? (spec.type === "int" ? v.toString() : pageSizeName(v)) : v;
}

export function completionAt(c: DocumentContext, position: Position): CompletionItem[] {
  const text = c.document.getText();
  const offset = c.document.offsetAt(position);
  const start = lineStart(text, offset);
  const line = text.slice(start, offset);

  // `// vcm: ACTION CHECK`: actions, then check names.
  const comment = line.indexOf("//");
  if (comment >= 0) {
    const d = /\/\/\s*vcm:\s*(\S*)(\s+.*)?$/.exec(line.slice(comment));
    if (!d) return [];
    if (d[2] === undefined) return keywordItems(DIRECTIVE_ACTIONS);
    return listChecks().map((check) => ({
      label: check.name,
      kind: CompletionItemKind.EnumMember,
      detail: `${check.code} (${check.severity})`,
      documentation: check.description,
    }));
  }

  const brace = openBrace(text, offset);
  // The item being typed: after the block's `{` or the last `;` on this line.
  const itemStart = Math.max(start, brace + 1, text.lastIndexOf(";", offset - 1) + 1);
  const { words } = wordsOf(text.slice(itemStart, offset));
  let want: Want;
  if (brace < 0 || (brace < start && !blockStillOpen(text, brace, start))) {
    want = statementWants(words);
  } else {
    const head = wordsOf(text.slice(lineStart(text, brace), brace)).words;
    if (head[0] === "mmu" || head[0] === "iommu") {
      const format = head[head.indexOf(":") + 1];
      const schema = format ? c.analysis.checked.registry.get(format)?.params : undefined;
      return paramCompletions(c, words, schema);
    }
    if (head[0] === "domain") want = domainItemWants(words);
    else if (head[0] === "container") want = containerItemWants(words);
    else if (head[0] === "scenario") want = stepWants(words);
    else want = statementWants(words);
  }
  return itemsOf(c, want);
}

/**
 * A `{` before the current line opens a block only while no top-level statement keyword starts
 * a line between (the parser ends an unclosed block there).
 */
function blockStillOpen(text: string, brace: number, start: number): boolean {
  const between = text
    .slice(brace + 1, start)
    .split(/\r\n|\r|\n/)
    .slice(1);
  const topOnly = new Set(STATEMENTS.filter((s) => !STEPS.includes(s)));
  return !between.some((l) => topOnly.has(l.trim().split(/\s+/)[0] ?? ""));
}

function paramCompletions(
  c: DocumentContext,
  words: string[],
  schema: Record<string, ParamSpec> | undefined,
): CompletionItem[] {
  if (words.length === 0) {
    const keys: CompletionItem[] = Object.entries(schema ?? {}).map(([key, spec]) => ({
      label: key,
      kind: CompletionItemKind.Property,
      detail: spec.type + (spec.default !== undefined ? ` (default ${String(spec.default)})` : ""),
      documentation: { kind: MarkupKind.Markdown, value: spec.description },
    }));
    keys.push({
      label: "pool",
      kind: CompletionItemKind.Property,
      detail: "pool",
      documentation: "the pool holding this mapper's tables",
    });
    return keys;
  }
  const key = words[0]!;
  if (key === "pool") return itemsOf(c, { names: ["pool"] });
  const spec = schema?.[key];
  if (!spec || spec.type === "flag") return [];
  const values: CompletionItem[] = (spec.values ?? []).map((v) => ({
    label: paramValueText(v, spec),
    kind: CompletionItemKind.EnumMember,
    detail: key,
  }));
  // Every const of the topology: concatenated, never spread as arguments (there may be 10^5).
  return spec.type === "word" ? values : values.concat(itemsOf(c, { names: ["const"] }));
}

const NAME_KIND: Record<SymbolKind, CompletionItemKind> = {
  const: CompletionItemKind.Constant,
  memory: CompletionItemKind.Struct,
  pool: CompletionItemKind.Struct,
  buffer: CompletionItemKind.Variable,
  reservation: CompletionItemKind.Variable,
  mmu: CompletionItemKind.Class,
  iommu: CompletionItemKind.Class,
  cpu: CompletionItemKind.Interface,
  device: CompletionItemKind.Interface,
  dma: CompletionItemKind.Interface,
  domain: CompletionItemKind.Module,
  container: CompletionItemKind.Module,
  window: CompletionItemKind.Field,
  scenario: CompletionItemKind.Event,
  topology: CompletionItemKind.File,
};

function itemsOf(c: DocumentContext, want: Want): CompletionItem[] {
  const out: CompletionItem[] = keywordItems(want.keywords ?? []);
  if (want.names) {
    for (const d of c.analysis.index.namesOf(want.names)) {
      out.push({
        label: d.container ? `${d.container}.${d.name}` : d.name,
        kind: NAME_KIND[d.kind],
        detail: d.kind,
      });
    }
  }
  if (want.plugins) {
    for (const e of c.analysis.checked.registry.all())
      out.push({
        label: e.plugin.name,
        kind: CompletionItemKind.Module,
        detail: e.origin === "built-in" ? "built-in plugin" : `plugin from ${e.origin}`,
        documentation: e.plugin.description,
      });
  }
  return out;
}
