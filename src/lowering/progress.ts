/** Progress of a lowering, in 4K pages mapped out of all the top-level mappings ask for. */
import type { IrMapping } from "../ir/types.js";

export type LoweringProgress = (done: number, total: number, label: string) => void;

export class ProgressCounter {
  private done = 0;
  private readonly total: number;

  constructor(
    private readonly report: LoweringProgress,
    mappings: readonly IrMapping[],
  ) {
    let total = 0;
    for (const m of mappings) total += Number(m.source.size / 4096n);
    this.total = total;
  }

  /** `count` pages of `pageSize` were mapped while doing `what`. */
  add(pageSize: bigint, count: number, what: string): void {
    this.done += Number(pageSize / 4096n) * count;
    this.report(this.done, this.total, what);
  }
}
