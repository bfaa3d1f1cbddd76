/**
 * The public driver-plugin API. A plugin is one module exporting one `VcmPlugin` object; the
 * compiler knows page-table formats only through it. Modelled on Linux io-pgtable: one small ops
 * table per format (map, unmap, walk) with the format's configuration in one parameter object.
 *
 * Hot paths work in 4 KiB page-frame numbers (plain numbers: 2^64 / 4K = 2^52 fits a double
 * exactly) and typed arrays; BigInt appears only at the API boundary, once per call.
 */
import type { PhysicalMemory } from "./physical-memory.js";
import type { PoolAllocator } from "./pool-allocator.js";

export const PLUGIN_API_VERSION = 1;

// Permission and attribute bits, as small integers so hot loops never allocate.
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
/** Privileged-only (EL1/supervisor); without it the mapping is also user-accessible. */
export const PROT_PRIV = 8;

export const ATTR_CACHEABLE = 1;
/** Device (strongly ordered / uncached MMIO) memory. */
export const ATTR_DEVICE = 2;
export const ATTR_SHAREABLE_INNER = 4;
export const ATTR_SHAREABLE_OUTER = 8;
/**
 * Decoded only: a memory type outside the three a mapping can declare (normal write-back
 * cacheable, normal non-cacheable, device), e.g. write-through, Device-nGnRnE or inner
 * non-cacheable / outer write-back. It never equals a declared intent.
 */
export const ATTR_OTHER_TYPE = 16;
/**
 * Arm TrustZone: the access goes to the Secure physical address space (an AArch64 EL3 leaf with
 * NS = 0). Without it an access is Non-secure, as every access of a context in Non-secure state
 * is (EL1, EL2, and every IOMMU VCM models).
 */
export const ATTR_SECURE = 32;

// ---------------------------------------------------------------------------------------------
// Parameter schema: the checker validates mapper blocks against it; the editor completes from it.

export type ParamType =
  /** A plain integer (e.g. `stage 1`, `va-bits 48`). */
  | "int"
  /** A size in bytes (e.g. `granule 4K`). */
  | "size"
  /** One word from `values` (e.g. `outside passthrough`). */
  | "word"
  /** An address range `A .. B` or `A .. +SIZE` (e.g. `aperture 0xE000_0000 .. +512M`). */
  | "range"
  /** One or more sizes (e.g. `page-sizes 4K 2M 1G`). */
  | "size-list"
  /** A bare key with no value (e.g. `coherent`). */
  | "flag";

/** A range parameter's value (e.g. `aperture`): [base, base + size) in one address space. */
export interface PluginParamRange {
  base: bigint;
  size: bigint;
  space: "pa" | "iova" | "va" | "bus" | "ipa";
}

/**
 * A parameter's value as a plugin gets it. The IR declares the same type (`IrParamValue`) on its
 * own, since plugins never see the IR and the IR sits below this API;
 * test/architecture/param-values.test.ts keeps the two identical.
 */
export type PluginParamValue = bigint | string | boolean | PluginParamRange | (bigint | string)[];

export interface ParamSpec {
  type: ParamType;
  description: string;
  default?: PluginParamValue;
  /** Allowed values: words for `word`; numbers (as bigint) for `int`/`size`/`size-list`. */
  values?: readonly (string | bigint)[];
  min?: bigint;
  max?: bigint;
  required?: boolean;
}

export type ParamSchema = Readonly<Record<string, ParamSpec>>;

/** Validated parameters: every schema key present (defaults filled in). */
export type PluginParams = Readonly<Record<string, PluginParamValue>>;

/** A problem a plugin finds in its parameters beyond the schema (e.g. `ias` > `oas`). */
export interface ParamProblem {
  key?: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Capabilities

export interface Capabilities {
  /** Supported page sizes, ascending. */
  pageSizes: readonly bigint[];
  /** Input (IOVA / VA) address bits. */
  inputBits: number;
  /** Output (physical) address bits. */
  outputBits: number;
  /** Number of table levels (0 for no tables, e.g. `direct`). */
  levels: number;
  /** Size of one table page. */
  granule: bigint;
  /** Which permission bits the format can express; others are refused or implied. */
  perms: { read: boolean; write: boolean; exec: boolean; priv: boolean };
  /**
   * The ATTR_* bits the format encodes from a mapping and decodes back from its leaves; the
   * runtime proves exactly these against the declared attributes. Absent or 0: the format has no
   * memory attributes (sPAPR TCE) and none are proved.
   */
  attrs?: number;
  /** Write implies read (sPAPR TCE): a write-only mapping is widened, not refused. */
  writeImpliesRead?: boolean;
  /** Read implies write (GART: no permission bits, a valid entry grants read and write). */
  readImpliesWrite?: boolean;
  /**
   * Execute implies read (LPAE stage 1, ARMv7s: AP always grants read): an execute-only
   * mapping is widened to read+execute. The whole model is `grantedProt` in `rights.ts`.
   */
  execImpliesRead?: boolean;
  /**
   * Every entry is privileged-only: the translation regime has one privilege level (Arm EL2
   * without VHE, EL3), so no user (EL0) access can be granted; a request for one is refused.
   */
  privilegedOnly?: boolean;
  /**
   * CPU MMUs: the translation regime the tables are written for, as `vcm explain` and messages
   * name it (AArch64 `EL1&0`, `EL2`, `EL2&0`, `EL3`). Absent: the format has no regimes.
   */
  regime?: string;
  /**
   * The control register suggested with the tables makes writable memory execute-never
   * (AArch64 SCTLR_ELx.WXN): a mapping cannot be writable and executable.
   */
  writeExecNever?: boolean;
  /** Leaves above the lowest level (block / huge / large pages). */
  blocks: boolean;
  /** Unmapping part of a block splits it. */
  partialUnmap: boolean;
  /** Windows (sPAPR DMA windows), each a table of its own. */
  windows: boolean;
  /** Bytes per descriptor and their byte order, for dumps and C headers. */
  entryBytes: 4 | 8;
  bigEndian: boolean;
  /** What an endpoint reaches outside the translated aperture. */
  outside?: "passthrough" | "blocked";
  /**
   * CPU MMUs only: the upper half of the 64-bit virtual address space, where kernels live.
   * Absent: a cpu context translates [0, 2^inputBits) only.
   */
  upperHalf?: UpperHalf;
  /**
   * IOMMUs that bind devices by a stream id (SMMU StreamID, PCI RID): how many bits of it the
   * instance structures cover. A device whose `stream` does not fit is refused at `vcm check`
   * (`stream-id-too-wide`). Absent: not checked.
   */
  streamBits?: number;
  /** Two devices behind one instance cannot share a stream id (SMMUv3: one STE each). */
  uniqueStreams?: boolean;
}

/**
 * The upper half of a CPU's virtual address space, [2^64 - 2^bits, 2^64). VCM keeps addresses
 * canonical (sign-extended) everywhere and turns them into table input addresses itself, so
 * `map`/`walk`/`leaves` only ever see [0, 2^inputBits).
 * - `shared`: one table serves both halves and its top index bit picks the half (x86-64: PML4
 *   entries 256..511 are the upper half). Then `bits` = inputBits - 1, the lower half is
 *   [0, 2^bits) and VA 2^64 - 2^bits is table input 2^bits.
 * - `own`: the upper half has a table of its own, created with `params` (AArch64 TTBR1 with
 *   T1SZ = 64 - bits); VA 2^64 - 2^bits is its table input 0. The lower half keeps
 *   [0, 2^inputBits). `registers(lower, upper)` programs both.
 */
export interface UpperHalf {
  bits: number;
  root: "shared" | "own";
  /** For `own`: the parameters of the upper half's table. */
  params?: PluginParams;
}

// ---------------------------------------------------------------------------------------------
// Tables

/** What a table is created for. */
export interface CreateOptions {
  params: PluginParams;
  /** Domain (or cpu address space, or window) name, for messages and dumps. */
  name: string;
  /** A small number unique per table within its mapper (VT-d DID, AMD domain id, ASID). */
  domainId: number;
  /** The IOVA range this table must translate. */
  aperture: { base: bigint; size: bigint };
  /** For sPAPR windows: the window geometry. */
  window?: WindowGeometry;
}

/**
 * An sPAPR DMA window. `hostPageSize` is the host kernel's PAGE_SIZE, the smallest TCE level
 * allocation (pnv_pci_ioda2_table_alloc_pages); 4K when absent.
 */
export interface WindowGeometry {
  base: bigint;
  size: bigint;
  pageSize: bigint;
  levels: number;
  hostPageSize?: bigint;
}

/** One level of a radix table, as `tableGeometry` reports it. */
export interface TableGeometryLevel {
  /** Lowest input-address bit this level's index covers (12 for a 4K last level). */
  shift: number;
  /** Index bits: a table of this level has 2^bits entries. */
  bits: number;
  /** Bytes allocated for one table of this level. */
  tableBytes: number;
  /** log2 of the page sizes a leaf at this level may map. */
  pageShifts: readonly number[];
}

export interface TableGeometry {
  levels: readonly TableGeometryLevel[];
  /** Start of the translated input range (the table indexes `iova - iovaBase`); default 0. */
  iovaBase?: bigint;
}

/** A live table owned by a plugin. `root` is the physical address of the top-level table. */
export interface TableHandle {
  readonly root: bigint;
  readonly name: string;
}

/** Everything needed to interpret a table from bytes alone (as recorded in the manifest). */
export interface TableContext {
  params: PluginParams;
  root: bigint;
  /** The values of `registers()`, by name. */
  registers: Readonly<Record<string, bigint>>;
  window?: WindowGeometry;
  aperture: { base: bigint; size: bigint };
}

export interface WalkStep {
  level: number;
  tableBase: bigint;
  index: number;
  descriptorAddress: bigint;
  descriptor: bigint;
  /** Decoded fields, e.g. `table -> 0x80001000` or `block pa=0x... AP=01 XN=1`. */
  decoded: string;
  /**
   * The PROT_* rights this level allows: for a table entry, what it leaves to the levels below
   * (PROT_PRIV: it makes them privileged-only; plugin-api/level-rights.ts); for a leaf, its own rights.
   * The walk's `prot` is all of them combined. Absent when the plugin does not say.
   */
  allows?: number;
  /** The input addresses this entry translates: `covers` bytes (2^shift) from `coversFrom`. */
  coversFrom?: bigint;
  covers?: bigint;
}

export type WalkResult =
  | {
      ok: true;
      pa: bigint;
      /** Effective rights: the leaf's, narrowed by every table entry above it. */
      prot: number;
      attrs: number;
      pageSize: bigint;
      steps: WalkStep[];
    }
  | {
      ok: false;
      level: number;
      reason: string;
      steps: WalkStep[];
    };

/**
 * Called for runs of valid leaves found in the bytes: `count4k` 4 KiB pages starting at
 * `iovaPfn` translate to consecutive frames starting at `paPfn`, all with `prot`/`attrs`, made
 * of leaves of `pageShift`. `prot` is the effective rights (every level of the walk combined, as
 * `walk` reports them). Plugins coalesce adjacent compatible leaves into one call.
 */
export type LeafVisitor = (
  iovaPfn: number,
  paPfn: number,
  count4k: number,
  prot: number,
  attrs: number,
  pageShift: number,
) => void;

/** Called once per table page reachable from the root. */
export type TableVisitor = (pa: bigint, bytes: number, level: number) => void;

/**
 * Called by `relocations` for each descriptor that holds the address of a table page: the
 * descriptor's physical address and width. Adding a load offset to that little-endian word (of
 * `bytes` bytes) moves the table it points to by the same offset.
 */
export type RelocationVisitor = (entryPa: bigint, bytes: 4 | 8) => void;

/**
 * The architecture whose systems a format's tables are built for (their ELF machine and GNU as
 * syntax, `vcm compile --format asm|elf`): `aarch64` (EM_AARCH64), `x86-64` (EM_X86_64), or
 * another word VCM writes no object for (`arm`, `ppc64`).
 */
export type PluginArchitecture = "aarch64" | "x86-64" | "arm" | "ppc64";

/**
 * Called by `leaves` for a table entry it did not follow because the table it points to was
 * already read in the same enumeration (a loop, or two entries sharing one table). Hardware would
 * follow it, so the `count4k` pages from `iovaPfn` the entry covers are not proved. `entryPa` is
 * the descriptor's address, `level` the architectural level of its table.
 */
export type TableLoopVisitor = (
  iovaPfn: number,
  count4k: number,
  entryPa: number,
  level: number,
  tablePa: number,
) => void;

/** Per-IOMMU structures that bind devices to tables (VT-d root/context tables, AMD DTEs, Arm STEs). */
export interface DeviceBinding {
  device: string;
  stream: bigint;
  /**
   * The table the device's stream translates through. Nested: the stage-1 (guest) table, whose
   * root and table addresses are IPAs translated by `stage2`. Stage-2 only: the same handle as
   * `stage2.table`.
   */
  table: TableHandle;
  domainId: number;
  /**
   * The stage-2 (VM) table this binding also translates through (optional; Arm SMMUv3: the STE
   * says Config = nested, or stage-2 only when `table` is `stage2.table`, with S2TTB/S2T0SZ/S2SL0
   * and the VTCR fields from that table and the CD pointer an IPA). `vmid` tags its TLB entries.
   */
  stage2?: Stage2Binding;
}

/** The stage 2 of a nested or stage-2-only binding (`DeviceBinding.stage2`). */
export interface Stage2Binding {
  table: TableHandle;
  vmid: number;
  /**
   * Nested bindings only (optional): guest memory as the IOMMU reads it through this stage 2,
   * IPA frames over host frames (the view the stage-1 table was written through). Structures the
   * hardware fetches by IPA (an SMMUv3 CD: STE.S1ContextPtr is an IPA when Config = nested) are
   * written here, so the bytes land in the host pages stage 2 maps them to.
   */
  memory?: PhysicalMemory;
  /**
   * Nested bindings only (optional): an allocator of IPAs in guest memory, the pool the stage-1
   * table was allocated from (its `tables` pool). Given together with `memory`.
   */
  pool?: PoolAllocator;
}

/**
 * A device bound without a table: `bypass` (an identity domain: input = output) or `abort` (a
 * blocked domain, or a device in no domain). Given to `bindDevices` only by plugins that declare
 * `bindsUntranslated`, whose `lookupDevice` then answers bypass/abort for such streams.
 */
export interface UntranslatedBinding {
  device: string;
  stream: bigint;
  mode: "bypass" | "abort";
}

/**
 * What the instance structures say about a stream, read from bytes: a table root (with the
 * stage-2 root when the binding is nested / stage-2 only: `root === stage2.root` means no stage 1;
 * nested, `root` is an IPA, read from structures the plugin fetched through that stage 2),
 * bypass, a valid entry that aborts, or a fault (no valid entry, reserved encodings...).
 */
export type DeviceLookup = (
  | { root: bigint; domainId: number; stage2?: { root: bigint; vmid: number } }
  | { bypass: string }
  | { abort: string }
  | { fault: string }
) & {
  /** The structures read on the way, in order (`vcm explain` shows them before the walk). */
  steps?: BindingStep[];
};

/** One instance structure a lookup read: e.g. an L1 stream table descriptor, an STE, a CD. */
export interface BindingStep {
  /** What it is, with its index: `STE[0x8]`, `CD[0] of STE[0x8]`. */
  structure: string;
  address: bigint;
  /** Its first 64-bit word (the one holding V and the configuration). */
  value: bigint;
  decoded: string;
}

export interface InstanceHandle {
  /**
   * Root of the instance structures (e.g. VT-d root table, AMD device table, SMMUv3 stream
   * table); 0 when the binding lives in registers only (SMMUv2 SMR/S2CR).
   */
  readonly root: bigint;
}

/** One half of an address space as a CPU's registers describe it. */
export interface RegisterHalf {
  /** The table root the hardware reads (TTBRn BADDR, CR3). */
  root: bigint;
  /** Input bits the walk translates (64 - TnSZ; 48 or 57 for x86-64's shared table). */
  bits: number;
  /** The translation granule the registers select (TGn). */
  granule: bigint;
}

/** What a CPU's registers make its MMU walk: per half, absent when walks are disabled (EPDn). */
export interface RegisterWalk {
  lower?: RegisterHalf;
  upper?: RegisterHalf;
  /**
   * The system control register the registers include, when they include one (Arm SCTLR_ELx):
   * `translation` false means the MMU is off (M = 0), so nothing the tables say applies;
   * `writeExecNever` (WXN) makes every writable page execute-never.
   */
  control?: { register: string; translation: boolean; writeExecNever: boolean };
  /**
   * Register bits that break the architecture's rules (a RES1 bit clear, a RES0 bit set, a
   * reserved encoding), each as `TCR_EL3 bit 31 (RES1) is 0`: the hardware's behaviour is then
   * not what the tables are proved for.
   */
  reserved?: string[];
}

/**
 * The brand every `MappingError` carries. A plugin package may bring its own copy of `vcm`
 * (its own `MappingError` class), so VCM recognises one by this registry-wide symbol
 * (`isMappingError`), never by `instanceof`.
 */
export const MAPPING_ERROR_BRAND: unique symbol = Symbol.for("vcm.MappingError") as never;

/** Thrown by `map`/`unmap` for refused requests; the compiler turns it into a diagnostic. */
export class MappingError extends Error {
  readonly [MAPPING_ERROR_BRAND] = true;
  constructor(
    readonly code:
      | "exists"
      | "unaligned"
      | "unsupported-size"
      | "out-of-range"
      | "no-permission"
      | "not-mapped"
      | "invalid",
    message: string,
  ) {
    super(message);
    this.name = "MappingError";
  }
}

/** A `MappingError` from this or any other copy of `vcm` (by its brand, not its class). */
export function isMappingError(e: unknown): e is MappingError {
  return (
    typeof e === "object" &&
    e !== null &&
    (e as Record<symbol, unknown>)[MAPPING_ERROR_BRAND] === true &&
    typeof (e as { code?: unknown }).code === "string"
  );
}

export interface VcmPlugin {
  /** The format name used after `:` in a mapper declaration, e.g. `arm-lpae`. */
  readonly name: string;
  readonly version: string;
  /** The plugin API version this plugin targets (`PLUGIN_API_VERSION`). */
  readonly apiVersion: number;
  readonly description: string;
  readonly params: ParamSchema;
  /**
   * The architecture the format's tables serve (optional): what `vcm compile --format asm|elf`
   * writes a pool of these tables for. Absent: VCM writes no assembler or object file for them.
   */
  readonly architecture?: PluginArchitecture;

  /** Cross-parameter checks beyond the schema. */
  validate?(params: PluginParams): ParamProblem[];
  capabilities(params: PluginParams): Capabilities;

  /** Allocate an empty table (its root) from `pool`. */
  create(memory: PhysicalMemory, pool: PoolAllocator, options: CreateOptions): TableHandle;
  /**
   * Map `count` pages of `pageSize` from `iova` to `pa`. Refuses (MappingError "exists") a
   * request that overlaps a live entry, leaving every existing entry intact.
   */
  map(
    handle: TableHandle,
    iova: bigint,
    pa: bigint,
    pageSize: bigint,
    count: number,
    prot: number,
    attrs: number,
  ): void;
  /** Unmap `size` bytes from `iova`, splitting blocks as needed; returns the bytes unmapped. */
  unmap(handle: TableHandle, iova: bigint, size: bigint): bigint;
  /**
   * Table-descriptor and register values a driver would program (TTBR, TCR, MAIR, CR3, ...).
   * `upper`: the table of the upper half (`UpperHalf.root` = `own`), programmed alongside.
   */
  registers(handle: TableHandle, upper?: TableHandle): Record<string, bigint>;

  /** Translate one address by reading only the bytes in `memory`, never plugin bookkeeping. */
  walk(memory: PhysicalMemory, context: TableContext, iova: bigint): WalkResult;
  /**
   * Every valid leaf reachable from the root, read from bytes (for the runtime's proofs), each
   * table page read at most once; entries not followed for that reason go to `loops`.
   */
  leaves(
    memory: PhysicalMemory,
    context: TableContext,
    visit: LeafVisitor,
    loops?: TableLoopVisitor,
  ): void;
  /** Every table page reachable from the root, read from bytes. */
  tables(memory: PhysicalMemory, context: TableContext, visit: TableVisitor): void;
  /** A decoded, level-by-level text dump of the table, read from bytes. */
  describe(memory: PhysicalMemory, context: TableContext): string;
  /**
   * Relocation (`vcm compile --relocatable`, optional; `defineRadixPlugin` supplies it): every
   * descriptor reachable from the root that holds a table page's address, read from bytes, each
   * once. Returns undefined when adding an offset to each of those words moves every table
   * correctly, or why it does not (a big-endian format, an address split over several fields):
   * then the tables cannot be relocated.
   */
  relocations?(
    memory: PhysicalMemory,
    context: TableContext,
    visit: RelocationVisitor,
  ): string | undefined;

  /**
   * Decode CPU register values (as `registers()` returned them, or as a manifest holds them) into
   * what the MMU walks (optional; undefined when the registers are not a CPU context's). The
   * runtime walks the roots the registers name and reports where they disagree with the tables.
   */
  decodeRegisters?(
    params: PluginParams,
    registers: Readonly<Record<string, bigint>>,
  ): RegisterWalk | undefined;

  /**
   * Build per-IOMMU structures binding devices to tables (optional). `untranslated` (identity,
   * blocked and detached devices) is passed only when the plugin sets `bindsUntranslated`.
   */
  bindDevices?(
    memory: PhysicalMemory,
    pool: PoolAllocator,
    params: PluginParams,
    bindings: DeviceBinding[],
    untranslated?: readonly UntranslatedBinding[],
  ): { handle: InstanceHandle; registers: Record<string, bigint> };
  /**
   * The plugin encodes bypass and abort bindings in its structures (`bindDevices`' `untranslated`)
   * and `lookupDevice` answers them, so the runtime checks identity, blocked and detached devices
   * against the bytes too (optional).
   */
  readonly bindsUntranslated?: (params: PluginParams) => boolean;
  /**
   * Whether an instance with these parameters has device structures at all (optional; default
   * true when `bindDevices` exists). false: no `bindDevices` call, devices use their domain's
   * table as if the plugin had no binding (e.g. an arm-lpae iommu with `model none`).
   */
  readonly bindsDevices?: (params: PluginParams) => boolean;
  /**
   * The radix shape of the table `create` would build for these options, root first (optional).
   * With it the compiler counts the table pages every mapping needs and refuses a pool that is
   * too small before anything is mapped, saying by how much. `defineRadixPlugin` supplies it.
   */
  tableGeometry?(options: Pick<CreateOptions, "params" | "aperture" | "window">): TableGeometry;
  /** Resolve a device's table root through the instance structures, from bytes (optional). */
  lookupDevice?(
    memory: PhysicalMemory,
    params: PluginParams,
    instanceRegisters: Readonly<Record<string, bigint>>,
    stream: bigint,
  ): DeviceLookup;
}
