import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { renderDiagrams } from "../../src/syntax/diagrams.js";

const root = new URL("../../grammar/", import.meta.url);

describe("grammar/diagrams.html", () => {
  test("matches what the parser generates now (rerun generate-diagrams after grammar changes)", () => {
    const committed = readFileSync(new URL("diagrams.html", root), "utf8");
    expect(committed === renderDiagrams()).toBe(true);
  });

  test("shows every statement rule", () => {
    const html = renderDiagrams();
    for (const rule of [
      "statement",
      "memoryDecl",
      "mapDecl",
      "scenarioStep",
      "expr",
      "paramEntry",
    ]) {
      expect(html).toContain(`"${rule}"`);
    }
  });
});

interface Rule {
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  include?: string;
  patterns?: Rule[];
}
interface Grammar {
  scopeName: string;
  patterns: Rule[];
  repository: Record<string, Rule>;
}

const grammar = JSON.parse(readFileSync(new URL("vcm.tmLanguage.json", root), "utf8")) as Grammar;

/** The rules at top level with includes resolved, in order. */
function flatten(rules: Rule[]): Rule[] {
  return rules.flatMap((r) => {
    if (r.include) return flatten([grammar.repository[r.include.slice(1)]!]);
    if (r.patterns && !r.begin && !r.match) return flatten(r.patterns);
    return [r];
  });
}

/** TextMate's rule for one line: at each point, the earliest match wins, ties to the first rule. */
function highlight(line: string): [string, string][] {
  const rules = flatten(grammar.patterns).map((r) => ({
    rule: r,
    re: new RegExp(r.match ?? r.begin!, "gm"),
  }));
  const out: [string, string][] = [];
  let pos = 0;
  while (pos < line.length) {
    let best: { rule: Rule; index: number; text: string } | undefined;
    for (const { rule, re } of rules) {
      re.lastIndex = pos;
      const m = re.exec(line);
      if (m && m[0].length > 0 && (!best || m.index < best.index))
        best = { rule, index: m.index, text: m[0] };
    }
    if (!best) break;
    let text = best.text;
    if (best.rule.begin) {
      const end = new RegExp(best.rule.end!, "gm");
      end.lastIndex = best.index + text.length;
      const m = end.exec(line);
      text = line.slice(best.index, m ? m.index + m[0].length : line.length);
    }
    out.push([text, best.rule.name!]);
    pos = best.index + text.length;
  }
  return out;
}

describe("grammar/vcm.tmLanguage.json", () => {
  test("is a TextMate grammar whose regexes all compile", () => {
    expect(grammar.scopeName).toBe("source.vcm");
    const all = Object.values(grammar.repository).flatMap((r) => flatten([r]));
    expect(all.length).toBeGreaterThan(8);
    for (const r of all) {
      for (const src of [r.match, r.begin, r.end])
        if (src) expect(() => new RegExp(src)).not.toThrow();
    }
  });

  test("highlights a sample line", () => {
    const tokens = highlight(
      'map frame[*] -> vdec_dom at 0x1000_0000 rw pages 4K cacheable // note "x"',
    );
    expect(tokens).toEqual([
      ["map", "keyword.control.statement.vcm"],
      ["frame", "variable.other.vcm"],
      ["[", "punctuation.section.vcm"],
      ["*", "keyword.operator.vcm"],
      ["]", "punctuation.section.vcm"],
      ["->", "keyword.operator.vcm"],
      ["vdec_dom", "variable.other.vcm"],
      ["at", "keyword.other.vcm"],
      ["0x1000_0000", "constant.numeric.vcm"],
      ["rw", "storage.modifier.permission.vcm"],
      ["pages", "keyword.other.vcm"],
      ["4K", "constant.numeric.vcm"],
      ["cacheable", "storage.modifier.attribute.vcm"],
      ['// note "x"', "comment.line.double-slash.vcm"],
    ]);
  });

  test("reservation, restore and pinnable", () => {
    expect(highlight("reservation r in d size 8M")[0]).toEqual([
      "reservation",
      "keyword.control.statement.vcm",
    ]);
    expect(highlight("restore bar")[0]).toEqual(["restore", "keyword.other.vcm"]);
    expect(highlight("memory bar 0 .. +4K mmio pinnable").at(-1)).toEqual([
      "pinnable",
      "storage.modifier.attribute.vcm",
    ]);
  });

  test("guest memory and nesting words", () => {
    const words = highlight("memory g 0 .. +4K ram guest vm backed ddr")
      .filter(([, scope]) => scope === "keyword.other.vcm")
      .map(([w]) => w);
    expect(words).toEqual(["ram", "guest", "backed"]);
    const items = highlight("domain d on s { stage 2; nested vm; tables p }")
      .filter(([, scope]) => scope === "keyword.other.vcm")
      .map(([w]) => w);
    expect(items).toEqual(["on", "stage", "nested", "tables"]);
  });

  test("hyphenated names, strings, block comments and directives", () => {
    expect(highlight('use "p" /* c */ dma-mask my-map')).toEqual([
      ["use", "keyword.control.statement.vcm"],
      ['"p"', "string.quoted.double.vcm"],
      ["/* c */", "comment.block.vcm"],
      ["dma-mask", "keyword.other.vcm"],
      ["my-map", "variable.other.vcm"],
    ]);
    expect(highlight("// vcm: disable x")).toEqual([
      ["// vcm: disable x", "comment.line.double-slash.directive.vcm"],
    ]);
  });
});
