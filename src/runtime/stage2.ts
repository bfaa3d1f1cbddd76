/**
 * Nested translation as the SMMU performs it (Arm ARM D8.2, two-stage translation): a nested
 * domain's stage-1 table holds IPAs, both in its table descriptors and in its leaves, and every
 * one of them goes through the VM's stage 2. The stage-2 table is read once from bytes into runs
 * (IPA page -> host page); the stage-1 table is then read by its plugin, unchanged, through a
 * `TranslatedMemory` whose frames are IPA frames looked up in those runs (a table page stage 2
 * does not map reads as zero, so nothing below it is reached, and is remembered as a stage-2
 * fault of the walk); and each stage-1 run is cut along the stage-2 runs it lands in, giving the
 * host pages the device reaches, with the rights of both stages intersected and the attributes
 * combined (Arm ARM D8.6, "Combining the stage 1 and stage 2 attributes", without FEAT_S2FWB).
 * Only the bytes are read: nothing of the lowering's guest-memory bookkeeping.
 */
import { hex } from "../diagnostics/format.js";
import type { ProgrammedTable } from "../model/system-state.js";
import type { PhysicalMemory } from "../plugin-api/physical-memory.js";
import { TranslatedMemory } from "../plugin-api/translated-memory.js";
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  ATTR_OTHER_TYPE,
  ATTR_SHAREABLE_INNER,
  ATTR_SHAREABLE_OUTER,
  PROT_EXEC,
  PROT_PRIV,
  PROT_READ,
  PROT_WRITE,
  type Capabilities,
  type TableContext,
  type VcmPlugin,
  type WalkResult,
  type WalkStep,
} from "../plugin-api/types.js";
import { RunList } from "./run-list.js";

/** The stage 2 a nested table path goes through, as the endpoint's binding names it. */
export interface Stage2Path {
  table: ProgrammedTable;
  context: TableContext;
  plugin: VcmPlugin;
  caps: Capabilities;
}

const RWX = PROT_READ | PROT_WRITE | PROT_EXEC;

/** Rights through both stages: the intersection; privilege is stage 1's (stage 2 has none). */
export function combineProt(stage1: number, stage2: number): number {
  return (stage1 & stage2 & RWX) | (stage1 & PROT_PRIV);
}

/**
 * Attributes through both stages (Arm ARM D8.6.6 without FEAT_S2FWB): Device at either stage is
 * Device; Normal memory is cacheable only when both stages say so (the less cacheable wins), a
 * type outside the declarable three at either stage stays such; shareability is the more
 * shareable of the two.
 */
export function combineAttrs(stage1: number, stage2: number): number {
  const share =
    (stage1 | stage2) & ATTR_SHAREABLE_OUTER
      ? ATTR_SHAREABLE_OUTER
      : (stage1 | stage2) & ATTR_SHAREABLE_INNER;
  if ((stage1 | stage2) & ATTR_DEVICE) return ATTR_DEVICE | share;
  const other = (stage1 | stage2) & ATTR_OTHER_TYPE;
  const cacheable = stage1 & stage2 & ATTR_CACHEABLE;
  return other | cacheable | share;
}

export class Stage2Reach {
  /** IPA page -> host page runs, sorted by IPA. */
  readonly runs = new RunList();
  /** Set when the plugin threw while reading the stage-2 table. */
  readonly error?: string;

  constructor(
    memory: PhysicalMemory,
    readonly path: Stage2Path,
  ) {
    try {
      path.plugin.leaves(memory, path.context, (ipa, pa, count, prot, attrs) =>
        this.runs.push(ipa, pa, count, prot, 0, attrs),
      );
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
    this.runs.sortByIova();
  }

  /** The index of the run holding IPA page `pfn`, or of the first run after it. */
  private seek(pfn: number): number {
    const r = this.runs;
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (r.iova[mid]! + r.count[mid]! <= pfn) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The host page a table walk reads for IPA page `pfn` (stage 2 must grant read). */
  tableFrame(pfn: number): number | undefined {
    const r = this.runs;
    const i = this.seek(pfn);
    if (i >= r.length || r.iova[i]! > pfn || (r.prot[i]! & PROT_READ) === 0) return undefined;
    return r.pa[i]! + (pfn - r.iova[i]!);
  }

  /** Guest memory as the stage-1 walk reads it; IPA pages it could not read go to `missed`. */
  view(memory: PhysicalMemory, missed: Set<number>): TranslatedMemory {
    return new TranslatedMemory(
      memory,
      (pfn) => this.tableFrame(pfn),
      (pfn) => missed.add(pfn),
    );
  }

  /**
   * Stage-1 runs (IOVA page -> IPA page) through stage 2: the host pages reached, each piece
   * with both stages' rights and attributes combined. IPA pages stage 2 does not map fault and
   * are left out.
   */
  compose(stage1: RunList): RunList {
    const out = new RunList();
    const r = this.runs;
    for (let i = 0; i < stage1.length; i++) {
      let iova = stage1.iova[i]!;
      let ipa = stage1.pa[i]!;
      let left = stage1.count[i]!;
      const prot = stage1.prot[i]!;
      const attrs = stage1.attrs[i]!;
      let j = this.seek(ipa);
      while (left > 0 && j < r.length) {
        const start = r.iova[j]!;
        if (start >= ipa + left) break;
        if (start > ipa) {
          // A hole in stage 2: those pages fault.
          const skip = start - ipa;
          iova += skip;
          ipa += skip;
          left -= skip;
        }
        const n = Math.min(left, start + r.count[j]! - ipa);
        out.push(
          iova,
          r.pa[j]! + (ipa - start),
          n,
          combineProt(prot, r.prot[j]!),
          stage1.tag[i]!,
          combineAttrs(attrs, r.attrs[j]!),
        );
        iova += n;
        ipa += n;
        left -= n;
        j++;
      }
    }
    out.sortByIova();
    return out;
  }

  /**
   * One address through both stages, as the SMMU walks it: before each stage-1 table is read,
   * its IPA is walked through stage 2 (steps marked `S2`), then the stage-1 output. The result is
   * the host address with both stages' rights and attributes combined, or the first fault.
   */
  walk(
    memory: PhysicalMemory,
    stage1: Pick<Stage2Path, "plugin" | "context">,
    input: bigint,
  ): WalkResult {
    const missed = new Set<number>();
    const s1 = stage1.plugin.walk(this.view(memory, missed), stage1.context, input);
    const steps: WalkStep[] = [];
    const mark = (s: WalkStep, stage: string): WalkStep => ({
      ...s,
      decoded: `${stage} ${s.decoded}`,
    });
    let failed: WalkResult | undefined;
    for (const s of s1.steps) {
      const s2 = this.path.plugin.walk(memory, this.path.context, s.tableBase);
      for (const t of s2.steps) steps.push(mark(t, `S2 (table ${hex(s.tableBase)})`));
      if (!s2.ok) {
        failed = {
          ok: false,
          level: s.level,
          reason: `stage 2 faults on the stage-1 level-${s.level} table at IPA ${hex(s.tableBase)}: ${s2.reason}`,
          steps,
        };
        break;
      }
      steps.push(mark(s, "S1"));
    }
    if (failed) return failed;
    if (!s1.ok) return { ...s1, steps };
    const s2 = this.path.plugin.walk(memory, this.path.context, s1.pa);
    for (const t of s2.steps) steps.push(mark(t, `S2 (output ${hex(s1.pa)})`));
    if (!s2.ok)
      return {
        ok: false,
        level: s2.level,
        reason: `stage 2 faults on the output IPA ${hex(s1.pa)}: ${s2.reason}`,
        steps,
      };
    return {
      ok: true,
      pa: s2.pa,
      prot: combineProt(s1.prot, s2.prot),
      attrs: combineAttrs(s1.attrs, s2.attrs),
      pageSize: s1.pageSize < s2.pageSize ? s1.pageSize : s2.pageSize,
      steps,
    };
  }
}
