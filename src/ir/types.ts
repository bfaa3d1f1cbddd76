/**
 * The resolved, typed intermediate representation of a topology: names bound, arrays expanded,
 * constants folded, every address and size a BigInt. Only IOVAs written `at auto` are left open
 * (`iova: "auto"`) for the lowering's allocator. Serialised by `serialize.ts` (see docs/IR.md).
 */
import type { Span } from "../diagnostics/span.js";

export const IR_VERSION = 1;

/** Which address space a number lives in; a PA used where an IOVA is meant is a diagnostic. */
/** `ipa`: a guest-physical (intermediate physical) address, what a VM's stage 2 translates. */
export type AddressSpace = "pa" | "iova" | "va" | "bus" | "ipa";

/** A half-open range [base, base + size). `size` is never 0 in a valid IR. */
export interface IrRange {
  base: bigint;
  size: bigint;
  space: AddressSpace;
}

export type IrMemoryKind = "ram" | "mmio" | "reserved";

export interface IrMemory {
  name: string;
  range: IrRange; // space "pa"
  kind: IrMemoryKind;
  /** The device that exports this region (a BAR), for peer-to-peer. */
  owner?: string;
  /** `pinnable`: the exporter accepts pinned importers (mmio only; RAM always pins). */
  pinnable?: boolean;
  /** `secure`: only Secure accesses reach it (TrustZone); absent: Non-secure memory. */
  secure?: boolean;
  span: Span;
}

export interface IrPool {
  name: string;
  memory: string;
  range: IrRange; // space "pa"
  span: Span;
}

/** A mapper parameter after schema validation: numbers are BigInt, words strings. */
/**
 * A mapper parameter's value. The plugin API declares the same type (`PluginParamValue`) on its
 * own, since it must not import the IR; test/architecture/param-values.test.ts keeps the two
 * identical.
 */
export type IrParamValue = bigint | string | boolean | IrRange | (bigint | string)[];

export interface IrMapper {
  name: string;
  role: "mmu" | "iommu";
  /** Plugin (format) name, e.g. `arm-lpae`. */
  format: string;
  /** Every schema parameter, defaults filled in. */
  params: Record<string, IrParamValue>;
  /** The pool holding this mapper's tables. */
  pool: string;
  span: Span;
}

export type IrEndpointKind = "cpu" | "device" | "dma";

export interface IrEndpoint {
  name: string;
  kind: IrEndpointKind;
  /** The MMU (cpu) or IOMMU (device) in front of it; absent: it sees bus = pa - busOffset. */
  mapper?: string;
  stream?: bigint;
  /** IOMMU group number; a device without one is a group of its own. */
  group?: bigint;
  /**
   * The default domain of the device's group (`smmu.default.g1`, `smmu.default.nvme`): made when
   * no member of the group is attached, or when a scenario `detach`es one, to return to.
   */
  defaultDomain?: string;
  /** Address bits the endpoint can drive (64 if not declared). */
  dmaMaskBits: number;
  busOffset: bigint;
  /** For a cpu with an MMU: the implicit domain (its address space) named after the cpu. */
  domain?: string;
  span: Span;
}

export type IrDomainType = "dma" | "identity" | "blocked" | "unmanaged";

export type IrReservedKind = "reserve" | "msi" | "unity";

export interface IrReservedRange {
  kind: IrReservedKind;
  range: IrRange; // space "iova" (unity: iova == pa)
  /** Where it came from: the domain block, the mapper's parameters (msi window), or a
   * `reservation` statement (then `reservation` names it). */
  origin: "domain" | "mapper" | "reservation";
  reservation?: string;
  span: Span;
}

/**
 * `reservation NAME in TARGET size S`: a range of a domain's address space that the allocator
 * never hands out (VCMM's reserve). It faults until a `map BUFFER -> NAME` backs it.
 */
export interface IrReservation {
  name: string;
  /** The domain (incl. a cpu's implicit one) whose address space it takes. */
  domain: string;
  range: IrRange; // space "iova" (or "va")
  span: Span;
}

export interface IrDomain {
  name: string;
  mapper: string;
  type: IrDomainType;
  /** Addresses the domain can translate; outside it the mapper's `outside` policy applies. */
  aperture: IrRange; // space "iova" (or "va" for a cpu context)
  /**
   * A cpu context's upper half [2^64 - 2^n, 2^64) (space "va"), when its MMU has one
   * (`Capabilities.upperHalf`); `aperture` is then the lower half. Between them: no address.
   */
  upper?: IrRange;
  reserved: IrReservedRange[];
  attached: string[];
  /** true for a default domain or a cpu's address space made by VCM, not declared. */
  implicit: boolean;
  /**
   * `stage 2`: a VM's stage 2 (IPA -> PA). Its table maps exactly its guest memory
   * (`IrTopology.guestMemories`), through mappings resolution makes (`IrMapping.guest`).
   */
  stage2?: boolean;
  /**
   * `nested PARENT`: a stage-1 domain (IOVA -> IPA) whose table addresses and leaves are IPAs of
   * the stage-2 domain `parent`; its tables come from `pool`, a pool inside guest memory.
   */
  nested?: { parent: string; pool: string; span: Span };
  span: Span;
}

/**
 * `memory NAME RANGE KIND guest DOMAIN backed REF`: guest-physical memory of a stage-2 domain,
 * the IPA range `ipa`, backed by host memory from `backing.pa` (same size). Buffers and pools
 * placed in it are host memory of `backing.memory`; stage 2 maps it IPA -> PA.
 */
export interface IrGuestMemory {
  name: string;
  domain: string;
  ipa: IrRange; // space "ipa"
  kind: IrMemoryKind;
  /** Absent when no `backed` clause was written (check VCM0284). */
  backing?: { memory: string; pa: bigint };
  span: Span;
}

export interface IrWindow {
  name: string;
  /** `c0.ddw` */
  qualifiedName: string;
  range: IrRange; // space "bus"
  pageSize: bigint;
  levels: number;
  /** The table slot (0 or 1, IOMMU_TABLE_GROUP_MAX_TABLES = 2); it decides the platform's base. */
  slot: number;
  /** true for the default 32-bit window the platform creates, not declared. */
  implicit: boolean;
  span: Span;
}

/** The closed set of VFIO sPAPR IOMMU models (VFIO_SPAPR_TCE_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU). */
export type IrContainerModel = "spapr-v1" | "spapr-v2";

export interface IrContainer {
  name: string;
  mapper: string;
  model: IrContainerModel;
  groups: bigint[];
  /** The process (mm) whose locked memory and registrations the container uses. */
  owner: string;
  /** The owner's RLIMIT_MEMLOCK in bytes; U64_MAX when not given. */
  lockedLimit: bigint;
  /** `locked-limit` was written (containers of one owner must agree). */
  lockedLimitDeclared: boolean;
  /** The host kernel's PAGE_SIZE: registration, accounting and TCE level granule. */
  hostPageSize: bigint;
  /** The page size backing the owner's memory (hugetlbfs); the host page when not given. */
  backingPageSize: bigint;
  registered: { range: IrRange; span: Span }[]; // space "pa"
  windows: IrWindow[];
  /** `remove default32`: the span of the removal, when the default window was removed. */
  removedDefault?: Span;
  span: Span;
}

/** One physically contiguous piece of a buffer or slice. */
export interface IrChunk {
  pa: bigint;
  size: bigint;
}

export interface IrBuffer {
  /** `bitstream`, or `frame[2]` for an array element. */
  name: string;
  /** For array elements: the array's name and this element's index. */
  array?: { name: string; index: number; count: number };
  /** The region it lives in (every chunk lies in it). */
  memory: string;
  size: bigint;
  align: bigint;
  chunks: IrChunk[];
  /** true when VCM chose the address, false for `at` or `chunks`. */
  placed: boolean;
  span: Span;
}

export interface IrPermissions {
  r: boolean;
  w: boolean;
  x: boolean;
  priv: boolean;
}

/** The memory type and shareability a mapping asks for (src/semantics/attributes.ts). */
export interface IrAttributes {
  /** Normal write-back cacheable (also the default for RAM when the line names no type). */
  cacheable: boolean;
  /** Device memory (also the default for MMIO when the line names no type). */
  device: boolean;
  shareable: "none" | "inner" | "outer";
  /**
   * The access goes to the Secure physical address space (`secure`, or the region's default for
   * a `secure` region); absent: Non-secure, as every access but an EL3 context's is.
   */
  secure?: boolean;
}

export type IrTargetKind = "domain" | "window" | "direct";

export interface IrMapping {
  /** Stable index in declaration order (after array expansion). */
  id: number;
  /** What is mapped: a buffer (possibly one array element) or a slice of a region. */
  source: { buffer?: string; memory: string; chunks: IrChunk[]; size: bigint };
  /** The domain (incl. a cpu's implicit one), container window, or a no-MMU endpoint. */
  target: { kind: IrTargetKind; name: string };
  /** The device address; `auto` for the lowering's allocator. */
  iova: bigint | "auto";
  perms: IrPermissions;
  attrs: IrAttributes;
  /** `pages 4K`: force this page size. */
  pageSize?: bigint;
  p2p: boolean;
  pin: boolean;
  /** `map BUFFER -> RESERVATION`: the reservation this mapping backs (its IOVA lies inside). */
  reservation?: string;
  /** Set when the mapping comes from a scenario step rather than the top level. */
  scenario?: string;
  /** Made by resolution for guest memory: the stage-2 mapping of that guest region. */
  guest?: string;
  span: Span;
}

export type IrExpectation =
  | { kind: "access"; negated: boolean; verb: "reads" | "writes" | "executes"; object: IrObjectRef }
  | { kind: "faults"; at: bigint }
  | { kind: "sees"; object: IrObjectRef; at: bigint };

/** The memory an `expect` or scenario step talks about. */
export interface IrObjectRef {
  /** The buffers named (one, or all elements for `frame[*]`), if a buffer was named. */
  buffers: string[];
  memory: string;
  chunks: IrChunk[];
}

export interface IrExpect {
  endpoint: string;
  expectation: IrExpectation;
  span: Span;
}

export type IrScenarioStep =
  | { kind: "map"; mapping: IrMapping; span: Span }
  | {
      kind: "unmap";
      object: IrObjectRef;
      /** `reservation` set when the step names a reservation: only its backing is unmapped. */
      target: { kind: IrTargetKind; name: string; reservation?: string };
      span: Span;
    }
  | { kind: "migrate"; buffers: string[]; to: string; span: Span }
  | { kind: "revoke"; memory: string; dummy?: string; span: Span }
  | { kind: "register" | "unregister"; container: string; range: IrRange; span: Span }
  | { kind: "attach"; device: string; domain: string; span: Span }
  | { kind: "detach"; device: string; span: Span }
  | { kind: "power-off"; memory: string; span: Span }
  | { kind: "restore"; memory: string; span: Span }
  | { kind: "expect"; expect: IrExpect; span: Span };

export interface IrScenario {
  name: string;
  steps: IrScenarioStep[];
  span: Span;
}

export interface IrTopology {
  irVersion: typeof IR_VERSION;
  name: string;
  /** Every file that contributed, the root first. */
  files: string[];
  /** Plugin specifiers from `use` lines, in order. */
  uses: { specifier: string; fromFile: string; span: Span }[];
  consts: Record<string, bigint>;
  memories: IrMemory[];
  /**
   * Guest (IPA) memory of stage-2 domains, backed by host memory. Resolution always fills it;
   * optional so an IR built by other means (tests, tools) need not name it.
   */
  guestMemories?: IrGuestMemory[];
  pools: IrPool[];
  mappers: IrMapper[];
  endpoints: IrEndpoint[];
  domains: IrDomain[];
  containers: IrContainer[];
  reservations: IrReservation[];
  buffers: IrBuffer[];
  mappings: IrMapping[];
  expects: IrExpect[];
  scenarios: IrScenario[];
}
