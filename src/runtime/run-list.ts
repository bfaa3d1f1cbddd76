/**
 * A growable list of translation runs (IOVA page -> physical page, count, prot, attrs) kept in typed
 * arrays: a 64 GiB domain must not cost one object per page, nor one per leaf.
 */
export interface RunArrays {
  iova: Float64Array;
  pa: Float64Array;
  count: Float64Array;
  prot: Uint8Array;
  tag: Int32Array;
  attrs: Uint8Array;
}

export class RunList {
  iova = new Float64Array(16);
  pa = new Float64Array(16);
  count = new Float64Array(16);
  prot = new Uint8Array(16);
  /** An owner tag per run (a mapping id for intent, a source index for reach). */
  tag = new Int32Array(16);
  /** ATTR_* bits per run (intended, or decoded from the leaves). */
  attrs = new Uint8Array(16);
  length = 0;
  private sorted = true;

  /** Append a run; merges with the previous one when contiguous with the same prot, tag, attrs. */
  push(iovaPfn: number, paPfn: number, count: number, prot: number, tag = 0, attrs = 0): void {
    if (count <= 0) return;
    const n = this.length;
    if (n > 0) {
      const last = n - 1;
      const end = this.iova[last]! + this.count[last]!;
      if (
        end === iovaPfn &&
        this.pa[last]! + this.count[last]! === paPfn &&
        this.prot[last] === prot &&
        this.tag[last] === tag &&
        this.attrs[last] === attrs
      ) {
        this.count[last] = this.count[last]! + count;
        return;
      }
      if (iovaPfn < end) this.sorted = false;
    }
    if (n === this.iova.length) this.grow();
    this.iova[n] = iovaPfn;
    this.pa[n] = paPfn;
    this.count[n] = count;
    this.prot[n] = prot;
    this.tag[n] = tag;
    this.attrs[n] = attrs;
    this.length = n + 1;
  }

  private grow(): void {
    const size = this.iova.length * 2;
    const f = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.iova = f(this.iova);
    this.pa = f(this.pa);
    this.count = f(this.count);
    const p = new Uint8Array(size);
    p.set(this.prot);
    this.prot = p;
    const t = new Int32Array(size);
    t.set(this.tag);
    this.tag = t;
    const a = new Uint8Array(size);
    a.set(this.attrs);
    this.attrs = a;
  }

  /** Sort by IOVA (stable enough: runs of one list never overlap when well formed). */
  sortByIova(): this {
    if (this.sorted) return this;
    const order = Array.from({ length: this.length }, (_, i) => i);
    order.sort((a, b) => this.iova[a]! - this.iova[b]!);
    const copy = new RunList();
    for (const i of order)
      copy.push(
        this.iova[i]!,
        this.pa[i]!,
        this.count[i]!,
        this.prot[i]!,
        this.tag[i]!,
        this.attrs[i]!,
      );
    Object.assign(this, {
      iova: copy.iova,
      pa: copy.pa,
      count: copy.count,
      prot: copy.prot,
      tag: copy.tag,
      attrs: copy.attrs,
      length: copy.length,
    });
    this.sorted = true;
    return this;
  }

  /** The runs as exact-length typed arrays (to post to another thread). */
  toArrays(): RunArrays {
    const n = this.length;
    return {
      iova: this.iova.slice(0, n),
      pa: this.pa.slice(0, n),
      count: this.count.slice(0, n),
      prot: this.prot.slice(0, n),
      tag: this.tag.slice(0, n),
      attrs: this.attrs.slice(0, n),
    };
  }

  /** A list rebuilt from `toArrays` (re-pushing a coalesced list gives the same runs). */
  static fromArrays(a: RunArrays): RunList {
    const list = new RunList();
    for (let i = 0; i < a.iova.length; i++)
      list.push(a.iova[i]!, a.pa[i]!, a.count[i]!, a.prot[i]!, a.tag[i]!, a.attrs[i]!);
    return list.sortByIova();
  }

  /** Total pages over every run. */
  pages(): number {
    let total = 0;
    for (let i = 0; i < this.length; i++) total += this.count[i]!;
    return total;
  }

  /** Index of the run containing `iovaPfn`, or -1 (list must be sorted). */
  find(iovaPfn: number): number {
    let lo = 0;
    let hi = this.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const start = this.iova[mid]!;
      if (iovaPfn < start) hi = mid - 1;
      else if (iovaPfn >= start + this.count[mid]!) lo = mid + 1;
      else return mid;
    }
    return -1;
  }
}
