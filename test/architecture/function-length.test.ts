/**
 * Issue 10: no function over ~80 lines without a reason written at its top. Every function in
 * src/ and plugins/ (declarations, methods, arrow functions, closures) is measured from its first
 * to its last line; one over LIMIT lines must say "Long on purpose: <why>" in the comment just
 * above it (or above the statement that holds it). PENDING lists those still to be split, with
 * why not yet; an entry that is no longer long must be removed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, test } from "vitest";

const LIMIT = 80;
const REASON = /Long on purpose:/;
const root = fileURLToPath(new URL("../../", import.meta.url));

/** `file name`: why it is still long. */
const PENDING: Record<string, string> = {};

interface LongFunction {
  where: string;
  key: string;
  lines: number;
  explained: boolean;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.ts$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** The name a function goes by: its own, or that of the variable, property or method holding it. */
function nameOf(node: ts.SignatureDeclaration): string {
  if (node.name) return node.name.getText();
  const parent = node.parent;
  if (
    (ts.isVariableDeclaration(parent) ||
      ts.isPropertyAssignment(parent) ||
      ts.isPropertyDeclaration(parent)) &&
    parent.name
  )
    return parent.name.getText();
  if (ts.isConstructorDeclaration(node)) return "constructor";
  // A callback named by the call's first argument, as a parser rule: `this.RULE("domainItem", ...)`.
  if (ts.isCallExpression(parent) && parent.arguments[0] && ts.isStringLiteral(parent.arguments[0]))
    return parent.arguments[0].text;
  return "<anonymous>";
}

/** The comment text above a function, or above the statement, property or export holding it. */
function leadingComment(text: string, node: ts.Node): string {
  let host: ts.Node = node;
  while (
    !ts.isSourceFile(host.parent) &&
    !ts.isBlock(host.parent) &&
    !ts.isClassLike(host.parent) &&
    !ts.isObjectLiteralExpression(host.parent)
  )
    host = host.parent;
  return text.slice(host.getFullStart(), host.getStart());
}

function longFunctions(path: string): LongFunction[] {
  const text = readFileSync(path, "utf8");
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const rel = relative(root, path).replace(/\\/g, "/");
  const out: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = file.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = file.getLineAndCharacterOfPosition(node.end).line;
      const lines = last - first + 1;
      if (lines > LIMIT) {
        const name = nameOf(node);
        out.push({
          where: `${rel}:${first + 1} ${name} (${lines} lines)`,
          key: `${rel} ${name}`,
          lines,
          explained: REASON.test(leadingComment(text, node)),
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

describe("function length", () => {
  const all = ["src", "plugins"].flatMap((d) => sourceFiles(join(root, d))).flatMap(longFunctions);

  test(`every function over ${LIMIT} lines says why at its top`, () => {
    const unexplained = all.filter((f) => !f.explained && !(f.key in PENDING)).map((f) => f.where);
    expect(unexplained).toEqual([]);
  });

  test("every pending entry is still long (remove it once split)", () => {
    const stillLong = new Set(all.map((f) => f.key));
    expect(Object.keys(PENDING).filter((k) => !stillLong.has(k))).toEqual([]);
  });

  test("the measure finds a long function and its reason", () => {
    const body = Array.from({ length: LIMIT + 5 }, (_, i) => `  const v${i} = ${i};`).join("\n");
    const file = (comment: string) =>
      ts.createSourceFile(
        "x.ts",
        `${comment}function f() {\n${body}\n}\n`,
        ts.ScriptTarget.Latest,
        true,
      );
    const reasonOf = (comment: string) => {
      const f = file(comment).statements[0]!;
      return REASON.test(leadingComment(file(comment).text, f));
    };
    expect(reasonOf("/** Long on purpose: a table. */\n")).toBe(true);
    expect(reasonOf("/** A function. */\n")).toBe(false);
  });
});
