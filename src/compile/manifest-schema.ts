/**
 * The JSON Schema of manifest.json (docs/MANIFEST.md), published as docs/manifest.schema.json
 * (a test keeps the two equal and checks the schema with ajv). `vcm run --tables` validates a
 * manifest against it before using any of it. Unknown properties are allowed: new fields may
 * be added within a manifest version, and readers ignore what they do not know.
 */
export const MANIFEST_SCHEMA_ID = "manifest.schema.json";

const hex = { $ref: "#/$defs/hex" };
const name = { type: "string", minLength: 1 };
const count = { type: "integer", minimum: 0 };
const range = { $ref: "#/$defs/range" };

/** Endpoint fields each `kind` must have (EndpointRoute in src/lowering/compiled.ts). */
const ENDPOINT_FIELDS: Record<string, string[]> = {
  table: ["mapper", "table"],
  iommu: ["mapper", "domain", "table"],
  identity: ["mapper", "domain", "aperture"],
  blocked: ["mapper", "domain"],
  windows: ["mapper", "container", "tables"],
  direct: ["busOffset", "dmaMaskBits"],
  unattached: ["mapper"],
};

export const MANIFEST_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: MANIFEST_SCHEMA_ID,
  title: "VCM compile output manifest (manifestVersion 1)",
  type: "object",
  required: [
    "manifestVersion",
    "generator",
    "topology",
    "pools",
    "mappers",
    "domains",
    "tables",
    "mappings",
    "endpoints",
  ],
  properties: {
    manifestVersion: { const: 1 },
    generator: { type: "string" },
    topology: { type: "string" },
    pools: { type: "array", items: { $ref: "#/$defs/pool" } },
    mappers: { type: "array", items: { $ref: "#/$defs/mapper" } },
    domains: { type: "array", items: { $ref: "#/$defs/domain" } },
    tables: { type: "array", items: { $ref: "#/$defs/table" } },
    mappings: { type: "array", items: { $ref: "#/$defs/mapping" } },
    endpoints: { type: "array", items: { $ref: "#/$defs/endpoint" } },
  },
  $defs: {
    hex: {
      description: "a 64-bit number as a hex string such as 0x1f000",
      type: "string",
      pattern: "^0x[0-9a-fA-F]{1,16}$",
    },
    range: {
      type: "object",
      required: ["base", "size"],
      properties: { base: hex, size: hex },
    },
    relativePath: {
      description: "a path relative to the output directory",
      type: "string",
      minLength: 1,
    },
    hexCounts: {
      description: 'counts by page size: { "0x1000": 3 }',
      type: "object",
      propertyNames: hex,
      additionalProperties: count,
    },
    hexRecord: { type: "object", additionalProperties: hex },
    pool: {
      type: "object",
      required: ["name", "memory", "base", "size", "usedBytes", "image"],
      properties: {
        name,
        memory: name,
        base: hex,
        size: hex,
        usedBytes: count,
        image: { $ref: "#/$defs/relativePath" },
      },
    },
    geometry: {
      type: "object",
      required: [
        "pageSizes",
        "inputBits",
        "outputBits",
        "levels",
        "granule",
        "entryBytes",
        "endianness",
        "blocks",
      ],
      properties: {
        pageSizes: { type: "array", items: hex },
        inputBits: { type: "integer", minimum: 1, maximum: 64 },
        outputBits: { type: "integer", minimum: 1, maximum: 64 },
        levels: { type: "integer", minimum: 0, maximum: 8 },
        granule: hex,
        entryBytes: { enum: [4, 8] },
        endianness: { enum: ["little", "big"] },
        blocks: { type: "boolean" },
        outside: { enum: ["passthrough", "blocked"] },
      },
    },
    param: {
      description: "a hex number, a word, a flag, a range or a list",
      anyOf: [
        { type: "string" },
        { type: "boolean" },
        {
          type: "object",
          required: ["base", "size", "space"],
          properties: { base: hex, size: hex, space: { type: "string" } },
        },
        { type: "array", items: { type: "string" } },
      ],
    },
    mapper: {
      type: "object",
      required: ["name", "role", "format", "pluginVersion", "pool", "params", "geometry"],
      properties: {
        name,
        role: { enum: ["mmu", "iommu"] },
        format: name,
        pluginVersion: { type: "string" },
        pool: { type: "string" },
        params: { type: "object", additionalProperties: { $ref: "#/$defs/param" } },
        geometry: { $ref: "#/$defs/geometry" },
        instance: {
          type: "object",
          required: ["root", "registers"],
          properties: { root: hex, registers: { $ref: "#/$defs/hexRecord" } },
        },
      },
    },
    domain: {
      type: "object",
      required: ["name", "mapper", "type", "implicit", "aperture", "attached"],
      properties: {
        name,
        mapper: name,
        type: { enum: ["dma", "unmanaged", "identity", "blocked"] },
        implicit: { type: "boolean" },
        aperture: range,
        table: name,
        attached: { type: "array", items: { type: "string" } },
      },
    },
    table: {
      type: "object",
      required: [
        "name",
        "kind",
        "mapper",
        "format",
        "domainId",
        "pool",
        "root",
        "registers",
        "aperture",
        "geometry",
        "tablePages",
        "leafCounts",
        "dump",
      ],
      properties: {
        name,
        kind: { enum: ["domain", "cpu", "window"] },
        mapper: name,
        format: name,
        domainId: count,
        pool: name,
        root: hex,
        registers: { $ref: "#/$defs/hexRecord" },
        aperture: range,
        stage2: name,
        window: {
          type: "object",
          required: ["base", "size", "pageSize", "levels"],
          properties: {
            base: hex,
            size: hex,
            pageSize: hex,
            levels: { type: "integer", minimum: 1, maximum: 8 },
            hostPageSize: hex,
          },
        },
        geometry: { $ref: "#/$defs/geometry" },
        tablePages: {
          type: "array",
          items: {
            type: "object",
            required: ["pa", "bytes", "level"],
            properties: { pa: hex, bytes: count, level: count },
          },
        },
        leafCounts: { $ref: "#/$defs/hexCounts" },
        dump: { $ref: "#/$defs/relativePath" },
      },
    },
    mapping: {
      type: "object",
      required: [
        "id",
        "target",
        "iova",
        "size",
        "autoIova",
        "memory",
        "prot",
        "attrs",
        "chunks",
        "leafCounts",
      ],
      properties: {
        id: { type: "integer" },
        target: {
          type: "object",
          required: ["kind", "name"],
          properties: { kind: { enum: ["domain", "window", "direct"] }, name },
        },
        table: name,
        iova: hex,
        size: hex,
        autoIova: { type: "boolean" },
        unity: { type: "boolean" },
        buffer: { type: "string" },
        memory: { type: "string" },
        prot: count,
        perms: { type: "string" },
        attrs: count,
        attributes: { type: "array", items: { type: "string" } },
        chunks: {
          type: "array",
          items: {
            type: "object",
            required: ["iova", "pa", "size", "runs"],
            properties: {
              iova: hex,
              pa: hex,
              size: hex,
              runs: {
                type: "array",
                items: {
                  type: "object",
                  required: ["iova", "pa", "pageSize", "count"],
                  properties: { iova: hex, pa: hex, pageSize: hex, count },
                },
              },
            },
          },
        },
        leafCounts: { $ref: "#/$defs/hexCounts" },
      },
    },
    endpoint: {
      type: "object",
      required: ["endpoint", "kind"],
      properties: {
        endpoint: name,
        kind: { enum: Object.keys(ENDPOINT_FIELDS) },
        mapper: name,
        table: name,
        stream: hex,
        domain: name,
        aperture: range,
        container: name,
        tables: { type: "array", items: name },
        busOffset: hex,
        dmaMaskBits: { type: "integer", minimum: 1, maximum: 64 },
      },
      allOf: Object.entries(ENDPOINT_FIELDS).map(([kind, required]) => ({
        if: { properties: { kind: { const: kind } }, required: ["kind"] },
        then: { required },
      })),
    },
  },
} as const;
