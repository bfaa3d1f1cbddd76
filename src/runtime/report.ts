/** The result of `vcm run` (its JSON form is documented in docs/RUN-REPORT.md). */
import type { Span } from "../diagnostics/span.js";
import type { LeafCounts } from "../lowering/compiled.js";
import type { WalkStep } from "../plugin-api/types.js";

export interface RunFailure {
  code: string;
  check: string;
  message: string;
  endpoint?: string;
  /** The table (domain, cpu address space or window) the failure was read from. */
  table?: string;
  scenario?: string;
  /** 1-based step number within the scenario. */
  step?: number;
  /** First address (IOVA / VA / bus) of the failing stretch. */
  address?: bigint;
  /** Bytes in the failing stretch. */
  size?: bigint;
  expected: string;
  found: string;
  /** The memory reached (undeclared reach) or intended. */
  memory?: string;
  /** The walk of `address`, read from bytes: descriptor and decoded fields per level. */
  trace?: WalkStep[];
  span?: Span;
}

export interface EndpointReport {
  endpoint: string;
  /** How it reaches memory, e.g. `iommu smmu -> domain nic_dom`. */
  route: string;
  tables: string[];
  /** Intended 4K pages whose translation was proved or disproved. */
  pagesChecked: number;
  /** 4K pages the endpoint can reach through its tables. */
  pagesReachable: number;
  /** Valid leaf entries by page size in bytes (the TLB footprint). */
  leaves: LeafCounts;
  /**
   * Reachable 4K pages by the memory attributes decoded from their leaves (`cacheable
   * inner-shareable`, `noncacheable`, `device`, ...); empty for formats without attributes.
   */
  attributes: Record<string, number>;
  failures: number;
  ok: boolean;
}

export interface ExpectReport {
  endpoint: string;
  text: string;
  ok: boolean;
  scenario?: string;
  span?: Span;
}

export interface StepReport {
  step: number;
  kind: string;
  text: string;
  ok: boolean;
  /** Endpoints re-verified because the step changed their tables or binding. */
  reverified: string[];
  pagesChecked: number;
  notes: string[];
}

export interface ContainerAccount {
  container: string;
  /** The process whose locked memory the container uses (shared by its other containers). */
  owner: string;
  /** The owner's locked memory in bytes, at the start and at the end of the scenario. */
  lockedStart: bigint;
  lockedEnd: bigint;
  limit: bigint;
}

export interface ScenarioReport {
  name: string;
  ok: boolean;
  steps: StepReport[];
  containers: ContainerAccount[];
}

/** A reservation in the compiled base state: how much of it is backed, and by what. */
export interface ReservationReport {
  name: string;
  domain: string;
  base: bigint;
  size: bigint;
  /** Bytes backed by mappings into it; the rest faults. */
  backed: bigint;
  /** What backs it (buffers or slices). */
  by: string[];
}

export type RunStatus = "proved" | "failed";

export interface RunReport {
  topology: string;
  status: RunStatus;
  endpoints: EndpointReport[];
  expects: ExpectReport[];
  reservations: ReservationReport[];
  scenarios: ScenarioReport[];
  /** Failures in detail (at most `maxFailures`). */
  failures: RunFailure[];
  /** Every failure, including those past `maxFailures`. */
  failureCount: number;
  pagesChecked: number;
  elapsedMs: number;
}
