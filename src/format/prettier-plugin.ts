/**
 * `vcm/prettier`: a Prettier 3 plugin for `.vcm` files (`prettier --plugin vcm/prettier f.vcm`).
 * The parser runs `formatVcm` (which parses with VCM's own parser and verifies the result), so a
 * syntax error is reported by Prettier as a parse error at its line and column; the printer
 * hands back the formatted text. Prettier's `tabWidth` and `useTabs` set the block indentation
 * and `endOfLine` the line breaks; `printWidth` does not apply (VCM lines are never wrapped).
 * The module needs nothing from Prettier itself, so it is no dependency of VCM.
 */
import { formatVcm, VcmFormatError } from "./format.js";

/** The one node the parser returns: the whole file, already formatted. */
export interface VcmDocument {
  type: "vcm-document";
  formatted: string;
  start: number;
  end: number;
}

interface ParserOptions {
  filepath?: string;
  tabWidth?: number;
  useTabs?: boolean;
}

export const languages = [
  {
    name: "VCM",
    parsers: ["vcm"],
    extensions: [".vcm"],
    vscodeLanguageIds: ["vcm"],
  },
];

/** A Prettier parse error: `loc` gives Prettier the position for its message and code frame. */
class VcmSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly loc: { start: { line: number; column: number } },
    override readonly cause: VcmFormatError,
  ) {
    super(message);
  }
}

export const parsers = {
  vcm: {
    astFormat: "vcm",
    parse(text: string, options: ParserOptions = {}): VcmDocument {
      try {
        const formatted = formatVcm(text, {
          ...(options.filepath ? { file: options.filepath } : {}),
          ...(options.tabWidth !== undefined ? { tabWidth: options.tabWidth } : {}),
          ...(options.useTabs !== undefined ? { useTabs: options.useTabs } : {}),
        });
        return { type: "vcm-document", formatted, start: 0, end: text.length };
      } catch (e) {
        const span = e instanceof VcmFormatError ? e.diagnostics[0]?.span : undefined;
        if (!(e instanceof VcmFormatError) || !span) throw e;
        const d = e.diagnostics[0]!;
        throw new VcmSyntaxError(
          `${d.code}: ${d.message}`,
          { start: { line: span.line, column: span.column } },
          e,
        );
      }
    },
    locStart: (node: VcmDocument): number => node.start,
    locEnd: (node: VcmDocument): number => node.end,
  },
};

export const printers = {
  vcm: {
    print(path: { node: VcmDocument }): string {
      return path.node.formatted;
    },
  },
};

const plugin = { languages, parsers, printers };
export default plugin;
