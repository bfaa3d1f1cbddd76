/**
 * sPAPR TCE v2 container semantics as VFIO implements them (tce_iommu_register_pages,
 * mm_iommu_get/put): memory is pre-registered before it is mapped; registering the identical
 * range again only takes another reference, an overlapping different range is refused (EBUSY);
 * unregister must name a registered range exactly (else ENOENT) and is refused while pages of
 * it are mapped (EBUSY); locked memory is counted in host pages, which may be larger than the
 * IOMMU pages.
 */
import type { IrChunk, IrContainer, IrRange } from "../ir/types.js";
import type { CompiledMapping, CompiledTopology } from "../lowering/compiled.js";
import type { FailureSink } from "./failure-sink.js";
import { hexOf } from "./prover.js";

interface Registration {
  base: bigint;
  size: bigint;
  refs: number;
}

export type AccountResult =
  { ok: true; note: string } | { ok: false; check: string; message: string };

const rangeText = (base: bigint, size: bigint) => `${hexOf(base)}..${hexOf(base + size)}`;

export class ContainerAccount {
  readonly registrations: Registration[] = [];
  /** Locked memory in bytes, counted in whole host pages per registration. */
  locked = 0n;
  readonly start: bigint;

  constructor(readonly container: IrContainer) {
    this.start = this.locked;
  }

  hostBytes(base: bigint, size: bigint): bigint {
    const hp = this.container.hostPageSize > 0n ? this.container.hostPageSize : 4096n;
    const first = base / hp;
    const end = (base + size + hp - 1n) / hp;
    return (end - first) * hp;
  }

  register(range: Pick<IrRange, "base" | "size">): AccountResult {
    const same = this.registrations.find((r) => r.base === range.base && r.size === range.size);
    if (same) {
      same.refs++;
      return { ok: true, note: `already registered: reference count now ${same.refs}` };
    }
    const overlap = this.registrations.find(
      (r) => r.base < range.base + range.size && range.base < r.base + r.size,
    );
    if (overlap) {
      return {
        ok: false,
        check: "register-overlap",
        message: `${this.container.name}: register ${rangeText(range.base, range.size)} overlaps the registered ${rangeText(overlap.base, overlap.size)} (EBUSY)`,
      };
    }
    this.registrations.push({ base: range.base, size: range.size, refs: 1 });
    this.locked += this.hostBytes(range.base, range.size);
    if (this.locked > this.container.lockedLimit) {
      return {
        ok: false,
        check: "locked-limit-exceeded-at-run",
        message: `${this.container.name}: locked memory ${hexOf(this.locked)} bytes exceeds the limit ${hexOf(this.container.lockedLimit)}`,
      };
    }
    return { ok: true, note: `locked ${hexOf(this.locked)} bytes` };
  }

  /** `mapped`: physical chunks currently mapped through this container's windows. */
  unregister(range: Pick<IrRange, "base" | "size">, mapped: readonly IrChunk[]): AccountResult {
    const i = this.registrations.findIndex((r) => r.base === range.base && r.size === range.size);
    if (i < 0) {
      return {
        ok: false,
        check: "unregister-not-found",
        message: `${this.container.name}: unregister ${rangeText(range.base, range.size)} matches no registered range exactly (ENOENT)`,
      };
    }
    const r = this.registrations[i]!;
    if (r.refs > 1) {
      r.refs--;
      return { ok: true, note: `reference dropped: ${r.refs} left` };
    }
    const busy = mapped.find((c) => c.pa < r.base + r.size && r.base < c.pa + c.size);
    if (busy) {
      return {
        ok: false,
        check: "unregister-busy",
        message: `${this.container.name}: unregister ${rangeText(r.base, r.size)} while ${rangeText(busy.pa, busy.size)} is still mapped (EBUSY)`,
      };
    }
    this.registrations.splice(i, 1);
    this.locked -= this.hostBytes(r.base, r.size);
    return { ok: true, note: `locked ${hexOf(this.locked)} bytes` };
  }

  /** Is every byte of the chunk inside registered memory? */
  covers(c: IrChunk): boolean {
    const sorted = [...this.registrations].sort((a, b) => (a.base < b.base ? -1 : 1));
    let at = c.pa;
    const end = c.pa + c.size;
    for (const r of sorted) {
      if (r.base > at) break;
      if (r.base + r.size > at) at = r.base + r.size;
      if (at >= end) return true;
    }
    return at >= end;
  }
}

/** The container whose window a mapping targets (`c0.ddw`). */
export function containerOfWindow(
  containers: readonly IrContainer[],
  window: string,
): IrContainer | undefined {
  return containers.find((c) => c.windows.some((w) => w.qualifiedName === window));
}

export function needsRegistration(c: IrContainer): boolean {
  return c.model === "spapr-v2";
}

/** Accounts for every container, with its declared registrations taken. */
export function initialAccounts(
  view: CompiledTopology,
  sink?: FailureSink,
): Map<string, ContainerAccount> {
  const accounts = new Map<string, ContainerAccount>();
  for (const c of view.ir.containers) {
    const account = new ContainerAccount(c);
    for (const r of c.registered) {
      const result = account.register(r.range);
      if (!result.ok)
        sink?.add(result.check, {
          message: result.message,
          expected: "a valid registration",
          found: result.message,
          span: r.span,
        });
    }
    accounts.set(c.name, account);
  }
  return accounts;
}

/** A window mapping must only cover registered memory (v2 containers). */
export function checkWindowMapping(
  account: ContainerAccount,
  m: Pick<CompiledMapping, "id" | "chunks" | "target">,
  sink: FailureSink,
): boolean {
  if (!needsRegistration(account.container)) return true;
  for (const c of m.chunks) {
    if (account.covers(c)) continue;
    sink.add("map-unregistered", {
      address: c.iova,
      size: c.size,
      expected: `pa ${rangeText(c.pa, c.size)} registered with ${account.container.name}`,
      found: "not registered",
      message: `mapping #${m.id} into ${m.target.name} covers pa ${rangeText(c.pa, c.size)}, which is not registered with container ${account.container.name}`,
    });
    return false;
  }
  return true;
}

export function checkRegisteredWindows(view: CompiledTopology, sink: FailureSink): void {
  const accounts = initialAccounts(view, sink);
  for (const m of view.mappings) {
    if (m.target.kind !== "window") continue;
    const c = containerOfWindow(view.ir.containers, m.target.name);
    const account = c && accounts.get(c.name);
    if (account) checkWindowMapping(account, m, sink);
  }
}
