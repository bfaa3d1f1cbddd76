/**
 * Spans inside JSON files (vcm.config.json, package.json, a --tables manifest.json), so a
 * problem found in the parsed value is reported at the file, line and column of that value.
 * Positions are only computed when a problem is reported: the text is scanned again up to the
 * value, never kept as a per-value position table (a manifest can hold millions of values).
 */
import { LineTable, TextSpan, type Span } from "./span.js";

/** A path into a JSON value: property names and array indices, as in a JSON pointer. */
export type JsonPath = readonly (string | number)[];

/** `/pools/0/base`: the JSON pointer (RFC 6901) of a path, for messages. */
export function jsonPointer(path: JsonPath): string {
  return path.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("") || "/";
}

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Deepest nesting of objects and arrays the scanner follows. Manifests and configurations nest
 * a few levels; beyond this the text is refused as a syntax error, so untrusted input cannot
 * recurse the scanner until the stack overflows.
 */
export const MAX_JSON_NESTING = 256;

/** A forward-only scanner that skips or enters JSON values; throws JsonSyntaxError on bad text. */
class Scanner {
  i = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  ws(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  peek(): string {
    return this.text[this.i] ?? "";
  }

  expect(ch: string): void {
    this.ws();
    if (this.text[this.i] !== ch) {
      const found = this.i < this.text.length ? `'${this.text[this.i]}'` : "the end of the file";
      throw new JsonSyntaxError(this.i, `expected '${ch}', found ${found}`);
    }
    this.i++;
  }

  string(): string {
    this.ws();
    const start = this.i;
    if (this.text[this.i] !== '"') throw new JsonSyntaxError(this.i, "expected a string");
    this.i++;
    const t = this.text;
    while (this.i < t.length) {
      const c = t[this.i];
      if (c === "\\") this.i += 2;
      else if (c === '"') {
        this.i++;
        try {
          return JSON.parse(t.slice(start, this.i)) as string;
        } catch {
          throw new JsonSyntaxError(start, "invalid string");
        }
      } else if (c! < " ") throw new JsonSyntaxError(this.i, "control character in a string");
      else this.i++;
    }
    throw new JsonSyntaxError(start, "string has no closing quote");
  }

  /** Skip one value of any kind. */
  value(): void {
    this.ws();
    const c = this.peek();
    if (c === "{" || c === "[") {
      if (this.depth >= MAX_JSON_NESTING) {
        throw new JsonSyntaxError(this.i, `nested deeper than ${MAX_JSON_NESTING} levels`);
      }
      this.depth++;
      try {
        this.container(c);
      } finally {
        this.depth--;
      }
      return;
    }
    this.scalar(c);
  }

  private container(c: string): void {
    if (c === "{") {
      this.i++;
      this.ws();
      if (this.peek() === "}") {
        this.i++;
        return;
      }
      for (;;) {
        this.string();
        this.expect(":");
        this.value();
        this.ws();
        if (this.peek() === ",") this.i++;
        else return this.expect("}");
      }
    }
    if (c === "[") {
      this.i++;
      this.ws();
      if (this.peek() === "]") {
        this.i++;
        return;
      }
      for (;;) {
        this.value();
        this.ws();
        if (this.peek() === ",") this.i++;
        else return this.expect("]");
      }
    }
  }

  private scalar(c: string): void {
    if (c === '"') {
      this.string();
      return;
    }
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(
      this.text.slice(this.i, this.i + 400),
    );
    if (!m) {
      throw new JsonSyntaxError(
        this.i,
        c === "" ? "unexpected end of the file" : `unexpected character '${c}'`,
      );
    }
    this.i += m[0].length;
  }
}

/**
 * The offsets of the value at `path` (a property from its name to the end of a scalar value,
 * or its name alone when the value is an object or array), or of the deepest existing ancestor
 * when part of the path is missing: a missing required property is reported at the object that
 * lacks it.
 */
function locate(text: string, path: JsonPath): { start: number; end: number } {
  const s = new Scanner(text);
  const valueAt = (start: number) => {
    s.i = start;
    s.value();
    return { start, end: s.i - start > 200 ? start + 1 : s.i };
  };
  try {
    s.ws();
    for (let depth = 0; depth < path.length; depth++) {
      const segment = path[depth]!;
      const last = depth === path.length - 1;
      s.ws();
      const container = s.i;
      const open = s.peek();
      let found = false;
      if (open === "{" && typeof segment === "string") {
        s.i++;
        s.ws();
        while (s.peek() !== "}") {
          const keyAt = s.i;
          const key = s.string();
          const keyEnd = s.i;
          s.expect(":");
          s.ws();
          if (key === segment) {
            found = true;
            if (last) {
              const c = s.peek();
              if (c === "{" || c === "[") return { start: keyAt, end: keyEnd };
              s.value();
              return { start: keyAt, end: s.i };
            }
            break;
          }
          s.value();
          s.ws();
          if (s.peek() !== ",") break;
          s.i++;
          s.ws();
        }
      } else if (open === "[" && typeof segment === "number") {
        s.i++;
        for (let k = 0; ; k++) {
          s.ws();
          if (s.peek() === "]") break;
          if (k === segment) {
            found = true;
            break;
          }
          s.value();
          s.ws();
          if (s.peek() !== ",") break;
          s.i++;
        }
      }
      if (!found) return { start: container, end: container + 1 };
    }
    s.ws();
    return valueAt(s.i);
  } catch {
    const at = Math.min(s.i, text.length);
    return { start: at, end: at };
  }
}

/** One span factory per JSON file: the line table is built once, on the first problem. */
export class JsonSpans {
  private lines: LineTable | undefined;
  constructor(
    readonly file: string,
    private readonly text: string,
  ) {}

  private table(): LineTable {
    return (this.lines ??= LineTable.of(this.file, this.text));
  }

  /** The span of the value at `path` (see `locate`). */
  at(path: JsonPath): Span {
    const { start, end } = locate(this.text, path);
    return new TextSpan(this.table(), start, end);
  }

  /** Where the text stops being JSON, and why; undefined when it is valid JSON. */
  syntaxError(): { span: Span; message: string } | undefined {
    const s = new Scanner(this.text);
    try {
      s.value();
      s.ws();
      if (s.i < this.text.length) throw new JsonSyntaxError(s.i, "text after the JSON value");
      return undefined;
    } catch (e) {
      if (!(e instanceof JsonSyntaxError)) throw e;
      const at = Math.min(e.offset, this.text.length);
      return { span: new TextSpan(this.table(), at, at), message: e.message };
    }
  }
}

/**
 * Parse `text` as JSON. A syntax error is returned with its span (never a raw JSON.parse
 * message without a position).
 */
export function parseJsonWithSpans(
  file: string,
  text: string,
): { ok: true; value: unknown; spans: JsonSpans } | { ok: false; span: Span; message: string } {
  const spans = new JsonSpans(file, text);
  try {
    return { ok: true, value: JSON.parse(text) as unknown, spans };
  } catch (e) {
    const found = spans.syntaxError();
    if (found) return { ok: false, ...found };
    // JSON.parse refused what the scanner accepts (e.g. a number out of range): blame the start.
    const why = e instanceof Error ? e.message : String(e);
    return { ok: false, span: spans.at([]), message: why };
  }
}
