/**
 * Parser error messages that name what was expected in words ("expected a number, name or
 * '('") instead of Chevrotain's token-type dumps.
 */
import { EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from "chevrotain";
import { D, formatMessage } from "../diagnostics/catalogue.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { Newline, RCurly } from "./tokens.js";

const M = D.syntaxError.messages;

function label(t: TokenType): string {
  return t.LABEL ?? t.name;
}

export function describeToken(t: IToken): string {
  if (t.tokenType === EOF) return "the end of the statement";
  if (t.tokenType === Newline) return "the end of the line";
  const image = t.image.length > 24 ? t.image.slice(0, 21) + "..." : t.image;
  return `'${image}'`;
}

function oneOf(labels: string[]): string {
  const unique = [...new Set(labels)];
  if (unique.length <= 1) return unique[0] ?? "something else";
  return unique.slice(0, -1).join(", ") + " or " + unique[unique.length - 1];
}

function firstTokens(paths: TokenType[][][]): string[] {
  const out: string[] = [];
  for (const alt of paths) for (const path of alt) if (path[0]) out.push(label(path[0]));
  return out;
}

/** A mistyped keyword (`mapp`, `atach`): "; did you mean 'map'?", as for names. */
function keywordHint(paths: TokenType[][][], actual: IToken): string {
  if (!/^[A-Za-z][\w-]*$/.test(actual.image)) return "";
  const words = firstTokens(paths)
    .map((l) => l.replace(/^'(.*)'$/, "$1"))
    .filter((w) => /^[a-z][a-z0-9-]*$/.test(w));
  const hint = didYouMean(actual.image, words);
  return hint ? `; ${hint}` : "";
}

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    // A block's closing brace is expected whenever an item is followed by junk.
    if (expected === RCurly && actual.tokenType === EOF) {
      return M.closeBlock.template;
    }
    if (expected === RCurly) {
      return formatMessage(M.afterItem.template, { found: describeToken(actual) });
    }
    return formatMessage(D.syntaxError.template, {
      expected: label(expected),
      found: describeToken(actual),
    });
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return formatMessage(M.notAllParsed.template, { found: describeToken(firstRedundant) });
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, customUserDescription }) {
    const what = customUserDescription ?? oneOf(firstTokens(expectedPathsPerAlt));
    return (
      formatMessage(D.syntaxError.template, {
        expected: what,
        found: describeToken(actual[0]!),
      }) + keywordHint(expectedPathsPerAlt, actual[0]!)
    );
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, customUserDescription }) {
    const what =
      customUserDescription ?? oneOf(expectedIterationPaths.map((p) => (p[0] ? label(p[0]) : "")));
    return formatMessage(M.atLeastOne.template, {
      expected: what,
      found: describeToken(actual[0]!),
    });
  },
};
