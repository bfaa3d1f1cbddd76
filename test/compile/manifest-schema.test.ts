/**
 * The published manifest schema (docs/manifest.schema.json) is the one `vcm run --tables`
 * enforces, it is a valid JSON Schema by ajv, every sample's manifest satisfies it, and the
 * small validator VCM carries agrees with ajv on thousands of mutated manifests.
 */
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SchemaValidator } from "../../src/compile/json-schema.js";
import { buildManifest } from "../../src/compile/manifest.js";
import { MANIFEST_SCHEMA } from "../../src/compile/manifest-schema.js";
import { lowerFile } from "../runtime/helpers.js";

const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020.js").default as typeof import("ajv/dist/2020.js").default;

const published = JSON.parse(readFileSync("docs/manifest.schema.json", "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
const ajvValidate = ajv.compile(published);
const ours = new SchemaValidator(MANIFEST_SCHEMA);

const samples = readdirSync("samples").filter((f) => f.endsWith(".vcm"));
const manifests = new Map(
  samples.map((f) => [
    f,
    JSON.parse(JSON.stringify(buildManifest(lowerFile(join("samples", f)).compiled))),
  ]),
);

/** Every single-value mutation of `value`: each node deleted or replaced by a wrong value. */
function* mutations(value: unknown): Generator<unknown> {
  const paths: (string | number)[][] = [];
  (function walk(v: unknown, p: (string | number)[]) {
    if (p.length > 0) paths.push(p);
    if (v && typeof v === "object")
      for (const k of Object.keys(v))
        walk((v as Record<string, unknown>)[k], [...p, Array.isArray(v) ? Number(k) : k]);
  })(value, []);
  for (const p of paths) {
    for (const repl of [
      undefined,
      null,
      0,
      1.5,
      -1,
      "x",
      "0x",
      "0x10000000000000000",
      [],
      {},
      true,
    ]) {
      const m = structuredClone(value) as Record<string | number, unknown>;
      let o = m;
      for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
      const last = p.at(-1)!;
      if (repl === undefined) {
        if (Array.isArray(o)) o.splice(last as number, 1);
        else delete o[last];
      } else o[last] = repl;
      yield m;
    }
  }
}

describe("manifest schema", () => {
  it("is published unchanged in docs/manifest.schema.json", () => {
    expect(published).toEqual(JSON.parse(JSON.stringify(MANIFEST_SCHEMA)));
  });

  it.each(samples)("holds for the manifest of samples/%s, by ajv and by VCM's validator", (f) => {
    const m = manifests.get(f);
    expect(ajvValidate(m), JSON.stringify(ajvValidate.errors)).toBe(true);
    expect(ours.validate(m)).toEqual([]);
  });

  it("VCM's validator agrees with ajv on every single-value mutation of a manifest", () => {
    let invalid = 0;
    let count = 0;
    for (const m of mutations(manifests.get("p2p-revoke.vcm"))) {
      const byAjv = ajvValidate(m) === true;
      const byUs = new SchemaValidator(MANIFEST_SCHEMA).validate(m);
      expect(byUs.length === 0, JSON.stringify({ m, byUs, errors: ajvValidate.errors })).toBe(
        byAjv,
      );
      if (!byAjv) invalid++;
      count++;
    }
    expect(count).toBeGreaterThan(1000);
    expect(invalid).toBeGreaterThan(count / 2);
  });

  it("says where and what for each violation", () => {
    const m = structuredClone(manifests.get("p2p-revoke.vcm"));
    m.pools[0].base = 4096;
    delete m.tables[0].root;
    m.endpoints[0].kind = "iommu";
    delete m.endpoints[0].domain;
    expect(ours.validate(m)).toEqual([
      {
        path: ["pools", 0, "base"],
        message: "must be a 64-bit number as a hex string such as 0x1f000, not 4096",
      },
      { path: ["tables", 0], message: "lacks the required field 'root'" },
      { path: ["endpoints", 0], message: "lacks the required field 'domain'" },
    ]);
  });

  it("refuses a schema keyword it does not implement rather than ignore it", () => {
    expect(() => new SchemaValidator({ type: "string", format: "uri" }).validate("x")).toThrow(
      /keyword 'format' is not supported/,
    );
  });
});
