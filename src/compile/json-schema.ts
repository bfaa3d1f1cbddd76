/**
 * A small JSON Schema (2020-12) validator for the keywords VCM's own schemas use: `type`,
 * `enum`, `const`, `pattern`, `minLength`, `minimum`, `maximum`, `required`, `properties`,
 * `additionalProperties`, `propertyNames`, `items`, `anyOf`, `allOf`, `if`/`then`, and local
 * `$ref`s (`#/$defs/NAME`). Any other keyword is a bug in the schema and throws, so the schema
 * cannot silently mean more than is checked (a test also runs ajv on the same inputs).
 * Every violation is reported with the path of the offending value, never an exception.
 */
import type { JsonPath } from "../diagnostics/json-span.js";

export interface SchemaViolation {
  path: (string | number)[];
  message: string;
}

type Schema = Readonly<Record<string, unknown>>;

const KNOWN = new Set([
  "$schema",
  "$id",
  "$defs",
  "$ref",
  "title",
  "description",
  "type",
  "enum",
  "const",
  "pattern",
  "minLength",
  "minimum",
  "maximum",
  "required",
  "properties",
  "additionalProperties",
  "propertyNames",
  "items",
  "anyOf",
  "allOf",
  "if",
  "then",
]);

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function shown(v: unknown): string {
  const t = typeOf(v);
  if (t === "object") return "an object";
  if (t === "array") return "a list";
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? text.slice(0, 40) + "…" : text;
}

const TYPE_WORDS: Record<string, string> = {
  object: "an object",
  array: "a list",
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "true or false",
  null: "null",
};

export class SchemaValidator {
  private readonly patterns = new Map<string, RegExp>();

  constructor(
    private readonly root: Schema,
    /** Stop after this many violations (a hostile file could hold millions). */
    private readonly limit = 100,
  ) {}

  validate(value: unknown): SchemaViolation[] {
    const out: SchemaViolation[] = [];
    this.check(this.root, value, [], out);
    return out;
  }

  private deref(schema: Schema): Schema {
    const ref = schema.$ref;
    if (typeof ref !== "string") return schema;
    const m = /^#\/\$defs\/([^/]+)$/.exec(ref);
    const defs = this.root.$defs as Record<string, Schema> | undefined;
    const target = m ? defs?.[m[1]!] : undefined;
    if (!target) throw new Error(`schema: unresolvable $ref '${ref}'`);
    return target;
  }

  /** Whether `value` matches, without collecting messages (for anyOf and if). */
  private matches(schema: Schema, value: unknown, path: JsonPath): boolean {
    const scratch: SchemaViolation[] = [];
    this.check(schema, value, [...path], scratch);
    return scratch.length === 0;
  }

  private fail(out: SchemaViolation[], path: JsonPath, message: string): void {
    if (out.length < this.limit) out.push({ path: [...path], message });
  }

  private check(
    schemaIn: Schema,
    value: unknown,
    path: (string | number)[],
    out: SchemaViolation[],
  ): void {
    if (out.length >= this.limit) return;
    const schema = this.deref(schemaIn);
    for (const k of Object.keys(schema)) {
      if (!KNOWN.has(k)) throw new Error(`schema: keyword '${k}' is not supported`);
    }
    const form = this.formProblem(schema, value, path);
    if (form !== undefined) return this.fail(out, path, form);
    if (Array.isArray(schema.allOf)) {
      for (const s of schema.allOf as Schema[]) this.check(s, value, path, out);
    }
    if (schema.if !== undefined && schema.then !== undefined) {
      if (this.matches(schema.if as Schema, value, path)) {
        this.check(schema.then as Schema, value, path, out);
      }
    }
    const scalar = this.scalarProblem(schema, value);
    if (scalar !== undefined) return this.fail(out, path, scalar);
    if (Array.isArray(value) && schema.items !== undefined) {
      const items = schema.items as Schema;
      for (let i = 0; i < value.length && out.length < this.limit; i++) {
        path.push(i);
        this.check(items, value[i], path, out);
        path.pop();
      }
    }
    if (typeOf(value) === "object") {
      this.checkObject(schema, value as Record<string, unknown>, path, out);
    }
  }

  /** What is wrong with the value's form (const, enum, type, anyOf), if anything. */
  private formProblem(schema: Schema, value: unknown, path: JsonPath): string | undefined {
    const description = typeof schema.description === "string" ? schema.description : undefined;
    if (schema.const !== undefined && value !== schema.const) {
      return `must be ${JSON.stringify(schema.const)}, not ${shown(value)}`;
    }
    if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
      return `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}, not ${shown(value)}`;
    }
    if (typeof schema.type === "string") {
      const t = typeOf(value);
      const ok = t === schema.type || (schema.type === "number" && t === "integer");
      if (!ok) return `must be ${description ?? TYPE_WORDS[schema.type]}, not ${shown(value)}`;
    }
    if (Array.isArray(schema.anyOf)) {
      const alternatives = schema.anyOf as Schema[];
      if (!alternatives.some((s) => this.matches(s, value, path))) {
        return `must be ${description ?? "one of the allowed forms"}, not ${shown(value)}`;
      }
    }
    return undefined;
  }

  /** What is wrong with a string's length or pattern, or a number's bounds, if anything. */
  private scalarProblem(schema: Schema, value: unknown): string | undefined {
    const description = typeof schema.description === "string" ? schema.description : undefined;
    if (typeof value === "string") {
      if (typeof schema.minLength === "number" && value.length < schema.minLength) {
        return value === ""
          ? "must not be empty"
          : `must be at least ${schema.minLength} characters`;
      }
      if (typeof schema.pattern === "string") {
        let re = this.patterns.get(schema.pattern);
        if (!re) this.patterns.set(schema.pattern, (re = new RegExp(schema.pattern, "u")));
        if (!re.test(value)) {
          return `must be ${description ?? `text matching ${schema.pattern}`}, not ${shown(value)}`;
        }
      }
    }
    if (typeof value === "number") {
      if (typeof schema.minimum === "number" && value < schema.minimum) {
        return `must be at least ${schema.minimum}, not ${value}`;
      }
      if (typeof schema.maximum === "number" && value > schema.maximum) {
        return `must be at most ${schema.maximum}, not ${value}`;
      }
    }
    return undefined;
  }

  /** Required fields, then each field: its key's name, its schema, or unknown. */
  private checkObject(
    schema: Schema,
    obj: Record<string, unknown>,
    path: (string | number)[],
    out: SchemaViolation[],
  ): void {
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (!Object.hasOwn(obj, key)) this.fail(out, path, `lacks the required field '${key}'`);
    }
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    const extra = schema.additionalProperties;
    for (const [key, v] of Object.entries(obj)) {
      if (out.length >= this.limit) return;
      path.push(key);
      if (
        schema.propertyNames !== undefined &&
        !this.matches(schema.propertyNames as Schema, key, path)
      ) {
        this.fail(out, path, `the key ${JSON.stringify(key)} is not allowed here`);
      }
      if (Object.hasOwn(props, key)) this.check(props[key]!, v, path, out);
      else if (extra === false) this.fail(out, path, `unknown field '${key}'`);
      else if (typeof extra === "object" && extra !== null)
        this.check(extra as Schema, v, path, out);
      path.pop();
    }
  }
}
