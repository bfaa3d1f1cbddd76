/**
 * The abstract syntax tree of a `.vcm` file: what the parser produces, before names are bound.
 * Every node carries the span of the text it came from. Numbers are already BigInt (a literal
 * over 64 bits is a syntax diagnostic and becomes `0n` here, so later stages still see a node).
 */
import type { Span } from "../diagnostics/span.js";

export interface Node {
  span: Span;
}

export interface Identifier extends Node {
  name: string;
}

// ---------------------------------------------------------------------------------------------
// Expressions (64-bit unsigned; evaluated by the resolver, which reports overflow)

export type BinaryOperator = "+" | "-" | "*" | "/" | "%" | "<<" | ">>" | "&" | "|";
export type UnaryOperator = "~" | "-";

export type Expr = NumberLiteral | NameRef | UnaryExpr | BinaryExpr;

export interface NumberLiteral extends Node {
  kind: "number";
  value: bigint;
  /** The text as written (e.g. `0x8000_0000`, `2G`), for the formatter and messages. */
  text: string;
}

/** A const, or (typed as a physical address) a memory region or buffer's base. */
export interface NameRef extends Node {
  kind: "name";
  name: string;
  /** `frame[1]`: an element of a buffer array. */
  index?: Expr;
}

export interface UnaryExpr extends Node {
  kind: "unary";
  op: UnaryOperator;
  operand: Expr;
}

export interface BinaryExpr extends Node {
  kind: "binary";
  op: BinaryOperator;
  left: Expr;
  right: Expr;
}

/** `A .. B` (half-open, end exclusive) or `A .. +SIZE`. */
export interface RangeExpr extends Node {
  kind: "range";
  start: Expr;
  end: Expr;
  /** true for `A .. +SIZE`: `end` is then a size, not an address. */
  endIsSize: boolean;
}

/** `ddr[0x100 .. +64K]`: a slice of a memory region or buffer, offsets relative to its start. */
export interface SliceRef extends Node {
  kind: "slice";
  target: Identifier;
  range: RangeExpr;
}

/** `frame[*]`, `frame[2]`, `bitstream`: a buffer (or a whole array). */
export interface BufferRef extends Node {
  kind: "buffer-ref";
  name: Identifier;
  /** `undefined`: the name alone; `"*"`: every element; an Expr: one element. */
  index?: Expr | "*";
}

/** The thing a `map` maps, or an `expect` talks about. */
export type MemoryRef = BufferRef | SliceRef;

// ---------------------------------------------------------------------------------------------
// Mapper parameter blocks: generic key/value, validated against the plugin's own schema.

export type ParamValue = ParamExprValue | ParamWordValue | ParamRangeValue;

export interface ParamExprValue extends Node {
  kind: "expr";
  expr: Expr;
}

/** A bare word such as `passthrough`, `blocked`, `little`. */
export interface ParamWordValue extends Node {
  kind: "word";
  word: string;
}

export interface ParamRangeValue extends Node {
  kind: "range";
  range: RangeExpr;
}

export interface ParamEntry extends Node {
  key: Identifier;
  values: ParamValue[];
}

// ---------------------------------------------------------------------------------------------
// Statements

export type Statement =
  | TopologyDecl
  | ImportDecl
  | UseDecl
  | ConstDecl
  | MemoryDecl
  | PoolDecl
  | MapperDecl
  | EndpointDecl
  | DomainDecl
  | BufferDecl
  | MapDecl
  | ContainerDecl
  | ReservationDecl
  | ExpectDecl
  | ScenarioDecl;

export interface TopologyDecl extends Node {
  kind: "topology";
  name: Identifier;
}

export interface ImportDecl extends Node {
  kind: "import";
  /** The path as written, relative to the importing file. */
  path: string;
  pathSpan: Span;
}

/** `use "package-or-path"`: load a third-party driver plugin. */
export interface UseDecl extends Node {
  kind: "use";
  specifier: string;
  specifierSpan: Span;
}

export interface ConstDecl extends Node {
  kind: "const";
  name: Identifier;
  value: Expr;
}

export type MemoryKind = "ram" | "mmio" | "reserved";

export interface MemoryDecl extends Node {
  kind: "memory";
  name: Identifier;
  range: RangeExpr;
  memoryKind: MemoryKind;
  /** `owner gpu0`: the device whose BAR this mmio region is (peer-to-peer exporter). */
  owner?: Identifier;
  /** `pinnable`: the exporter accepts pinned importers (dma-buf `pin`); the word's span. */
  pinnable?: Span;
  /** `secure`: the region is in the Secure physical address space only (TrustZone); the word's span. */
  secureSpan?: Span;
  /** `guest vm0`: the range is guest-physical (IPA) memory of the stage-2 domain `vm0`. */
  guest?: Identifier;
  /** `backed ddr[A .. +S]`: the host memory behind a guest region (what stage 2 maps it to). */
  backing?: MemoryRef;
}

export interface PoolDecl extends Node {
  kind: "pool";
  name: Identifier;
  /** Where the pool's pages come from: a slice (`ddr[..]`) or a whole region (`ocm`). */
  source: MemoryRef;
}

export interface MapperDecl extends Node {
  kind: "mapper";
  /** `mmu` (a CPU's) or `iommu` (a device's). */
  role: "mmu" | "iommu";
  name: Identifier;
  /** The driver plugin (page-table format), e.g. `arm-lpae`. */
  format: Identifier;
  /** Plugin parameters; the key `pool` is the core's own (which pool holds the tables). */
  params: ParamEntry[];
}

export type EndpointKind = "cpu" | "device" | "dma";

export interface EndpointDecl extends Node {
  kind: "endpoint";
  endpointKind: EndpointKind;
  name: Identifier;
  /** `via cpu_mmu` (cpu) or `behind vdec_smmu` (device). Absent: no MMU (identity). */
  mapper?: Identifier;
  /** `stream 0x10`: stream/requester id (bus:devfn for PCI). */
  stream?: Expr;
  /** `group 1`: IOMMU group (devices of one group share a domain). */
  group?: Expr;
  /** `dma-mask 40`: the number of address bits the endpoint can drive. */
  dmaMask?: Expr;
  /** `offset 0x8000_0000`: bus address = physical - offset (dma engines, dma-ranges). */
  offset?: Expr;
}

export type DomainType = "dma" | "identity" | "blocked" | "unmanaged";

export type DomainItem =
  | { kind: "type"; type: DomainType; span: Span }
  | { kind: "aperture"; range: RangeExpr; span: Span }
  | { kind: "reserve"; reserveKind: "reserve" | "msi" | "unity"; range: RangeExpr; span: Span }
  | { kind: "attach"; devices: Identifier[]; span: Span }
  /** `stage 2`: the domain is a VM's stage 2 (IPA -> PA); its contents are its guest memory. */
  | { kind: "stage"; stage: Expr; span: Span }
  /** `nested vm0`: a stage-1 domain (IOVA -> IPA) whose output goes through vm0's stage 2. */
  | { kind: "nested"; parent: Identifier; span: Span }
  /** `tables POOL`: the pool (in guest memory) a nested domain's stage-1 tables come from. */
  | { kind: "tables"; pool: Identifier; span: Span };

export interface DomainDecl extends Node {
  kind: "domain";
  name: Identifier;
  mapper: Identifier;
  items: DomainItem[];
}

export interface BufferDecl extends Node {
  kind: "buffer";
  name: Identifier;
  /** `frame[4]`: an array of this many elements. */
  count?: Expr;
  /** `in ddr`: the region the allocator places it in (absent with `chunks`). */
  region?: Identifier;
  size?: Expr;
  align?: Expr;
  /** `at 0x8100_0000`: a fixed physical address (else placed by VCM). */
  at?: Expr;
  /** `chunks [ ddr[..], ddr[..] ]`: scatter-gather backing. */
  chunks?: SliceRef[];
}

export type Permission = "r" | "w" | "x" | "priv";
export type MemoryAttribute =
  | "cacheable"
  | "noncacheable"
  | "device"
  | "shareable"
  | "outer-shareable"
  | "nonshareable"
  | "secure"
  | "nonsecure";

export interface MapDecl extends Node {
  kind: "map";
  source: MemoryRef;
  /** A domain, a cpu (its MMU context), a device (its default domain), or `c0.ddw` (a window). */
  target: TargetRef;
  /** `at auto` (or no `at`) leaves the IOVA to the allocator, or to the reservation. */
  at: Expr | "auto";
  perms: Permission[];
  permsSpan: Span;
  attributes: MemoryAttribute[];
  /** `pages 4K`: force one page size. */
  pages?: Expr;
  p2p: boolean;
  pin: boolean;
}

/** `dom`, `a53`, or `c0.ddw`. */
export interface TargetRef extends Node {
  name: Identifier;
  member?: Identifier;
}

/**
 * `reservation NAME in TARGET size S [align A] [at ADDR]`: address space of a domain taken
 * before any memory backs it (VCMM's reserve), backed later by `map BUFFER -> NAME`.
 */
export interface ReservationDecl extends Node {
  kind: "reservation";
  name: Identifier;
  target: TargetRef;
  size?: Expr;
  align?: Expr;
  at?: Expr;
}

export type ContainerItem =
  | { kind: "groups"; groups: Expr[]; span: Span }
  | { kind: "locked-limit"; value: Expr; span: Span }
  | { kind: "host-page"; value: Expr; span: Span }
  | { kind: "backing-page"; value: Expr; span: Span }
  | { kind: "owner"; process: Identifier; span: Span }
  | { kind: "remove"; window: Identifier; span: Span }
  | { kind: "register"; source: MemoryRef; span: Span }
  | {
      kind: "window";
      name: Identifier;
      /** Absent: the platform places the window (PowerNV: slot 0 at 0, slot 1 at 1<<59). */
      at?: Expr;
      size: Expr;
      page: Expr;
      levels?: Expr;
      span: Span;
    };

export interface ContainerDecl extends Node {
  kind: "container";
  name: Identifier;
  mapper: Identifier;
  /** The container model, e.g. `spapr-v2`. */
  model: Identifier;
  items: ContainerItem[];
}

export type ExpectVerb = "reads" | "writes" | "executes";

export type ExpectDecl = Node & {
  kind: "expect";
  endpoint: Identifier;
} & (
    | { expectation: "access"; negated: boolean; verb: ExpectVerb; object: MemoryRef }
    | { expectation: "faults"; at: Expr }
    | { expectation: "sees"; object: MemoryRef; at: Expr }
  );

export type ScenarioStep =
  | MapDecl
  | ExpectDecl
  | (Node & { kind: "unmap"; source: MemoryRef; target: TargetRef })
  | (Node & { kind: "migrate"; buffer: BufferRef; to: Identifier })
  | (Node & { kind: "revoke"; region: Identifier; dummy?: BufferRef })
  | (Node & { kind: "register"; container: Identifier; source: MemoryRef })
  | (Node & { kind: "unregister"; container: Identifier; source: MemoryRef })
  | (Node & { kind: "attach"; device: Identifier; domain: Identifier })
  | (Node & { kind: "detach"; device: Identifier })
  | (Node & { kind: "power-off"; region: Identifier })
  | (Node & { kind: "restore"; region: Identifier });

export interface ScenarioDecl extends Node {
  kind: "scenario";
  name: Identifier;
  steps: ScenarioStep[];
}

/**
 * A `// vcm: ...` comment directive: per-file severity changes for named checks, or one line's
 * findings of named checks silenced.
 */
export interface Directive extends Node {
  /**
   * `disable` (= `-W no-NAME`), `warn`, `error` (= `-E NAME`) for the file; `disable-line`
   * (the directive's own line) and `disable-next-line` (the line after it) for one line.
   */
  action: "disable" | "warn" | "error" | "disable-line" | "disable-next-line";
  check: string;
  /** For `disable-line` and `disable-next-line`: the 1-based line whose findings it silences. */
  line?: number;
}

export interface SourceFile {
  /** Absolute (or as given) path of the file. */
  file: string;
  text: string;
  statements: Statement[];
  directives: Directive[];
}
