/**
 * Pass 3b, buffers: fixed (`at ADDRESS`) and chunked buffers are resolved on first use, since a
 * constant or another buffer may name them; then the buffers VCM places go first fit into their
 * regions around pools and fixed buffers (`placement.ts`). Arrays expand to one IrBuffer per
 * element.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import { formatSize, hex } from "../diagnostics/format.js";
import type { Span } from "../diagnostics/span.js";
import type { IrBuffer, IrChunk, IrMemory } from "../ir/types.js";
import type { BufferDecl } from "../syntax/ast.js";
import { num } from "./constants.js";
import type { ResolveContext } from "./context.js";
import { alignUp, isPowerOfTwo, U64_MAX } from "./evaluate.js";
import { memoryRef } from "./memory-refs.js";
import type { BufferEntry } from "./names.js";
import { RegionPlacer } from "./placement.js";

export const DEFAULT_ALIGN = 4096n;
const MAX_ARRAY = 1_000_000n;
const MEMORY = ["memory"] as const;

interface BufferShape {
  count: number;
  size?: bigint;
  align: bigint;
}

export class BufferTable {
  /** Every list of elements resolved so far, in the order resolved (placers go around them). */
  private readonly resolved: IrBuffer[][] = [];
  private placementStarted = false;

  constructor(private readonly ctx: ResolveContext) {}

  /** The elements of buffer `b`, resolving a fixed or chunked one now if needed. */
  elements(b: BufferEntry, usedAt: Span): IrBuffer[] | undefined {
    const known = b.elements;
    if (known !== undefined) return known ?? undefined;
    const d = b.node;
    const name = d.name.name;
    if (!d.at && !d.chunks) {
      if (!this.placementStarted)
        return this.ctx.report(diagnostic(D.invalidValue, usedAt, { name }));
      return undefined;
    }
    if (b.resolving) {
      b.elements = null;
      return this.ctx.report(diagnostic(D.invalidValue.messages.ownAddress, d.name.span, { name }));
    }
    b.resolving = true;
    const result = this.fixedBuffer(d);
    b.resolving = false;
    this.settle(b, result);
    return result;
  }

  private settle(b: BufferEntry, elements: IrBuffer[] | undefined): void {
    b.elements = elements ?? null;
    if (elements) this.resolved.push(elements);
  }

  /**
   * Resolves every buffer (`buffers`: the first declaration of each name): the fixed ones
   * first, then places the others; fills `ir.buffers`.
   */
  resolveAll(buffers: readonly BufferEntry[]): void {
    const { ctx } = this;
    const placed: BufferEntry[] = [];
    for (let i = 0; i < buffers.length; i++) {
      const b = buffers[i]!;
      if (b.node.at || b.node.chunks) this.elements(b, b.node.name.span);
      else placed.push(b);
    }
    // A guest region (an alias of its backing, guest-memory.ts) has a placer of its own over
    // its backing, which its host region's placer leaves alone: host buffers never land in a
    // VM's memory, and the two placers never hand out the same bytes.
    const placers = new Map<IrMemory | string, RegionPlacer>();
    const placerFor = (memory: IrMemory): RegionPlacer => {
      const key = ctx.symbols.guestAliases.has(memory) ? memory : memory.name;
      let p = placers.get(key);
      if (!p) {
        p = new RegionPlacer(memory.range.base, memory.range.size);
        for (const pool of ctx.ir.pools)
          if (pool.memory === memory.name) p.reserve(pool.range.base, pool.range.size);
        for (const list of this.resolved)
          for (const b of list) for (const c of b.chunks) p.reserve(c.pa, c.size);
        if (key === memory.name)
          for (const g of ctx.symbols.guestAliases)
            if (g.name === memory.name) p.reserve(g.range.base, g.range.size);
        placers.set(key, p);
      }
      return p;
    };
    this.placementStarted = true;
    // The placer of the last region placed into: consecutive buffers usually share a region.
    let lastMemory: IrMemory | undefined;
    let lastPlacer: RegionPlacer | undefined;
    const placerOf = (memory: IrMemory): RegionPlacer => {
      if (memory !== lastMemory) lastPlacer = placerFor((lastMemory = memory));
      return lastPlacer!;
    };
    for (let i = 0; i < placed.length; i++) this.placeBuffer(placed[i]!, placerOf);
    for (let i = 0; i < buffers.length; i++) {
      const list = buffers[i]!.elements;
      if (list) for (let j = 0; j < list.length; j++) ctx.ir.buffers.push(list[j]!);
    }
  }

  private shape(d: BufferDecl): BufferShape | undefined {
    const { ctx } = this;
    let count = 1;
    if (d.count) {
      const c = num(ctx, d.count);
      if (c === undefined) return undefined;
      if (c === 0n || c > MAX_ARRAY)
        return ctx.report(
          diagnostic(D.invalidValue.messages.arrayCount, d.count.span, {
            max: MAX_ARRAY,
            count: c,
          }),
        );
      count = Number(c);
    }
    let align = DEFAULT_ALIGN;
    if (d.align) {
      const a = num(ctx, d.align);
      if (a === undefined) return undefined;
      if (!isPowerOfTwo(a))
        return ctx.report(
          diagnostic(D.invalidValue.messages.alignPower, d.align.span, { align: hex(a) }),
        );
      align = a;
    }
    if (!d.size) return { count, align };
    const size = num(ctx, d.size);
    if (size === undefined) return undefined;
    if (size === 0n)
      return ctx.report(
        diagnostic(D.invalidValue.messages.bufferSizeZero, d.size.span, { name: d.name.name }),
      );
    return { count, size, align };
  }

  private fixedBuffer(d: BufferDecl): IrBuffer[] | undefined {
    const shape = this.shape(d);
    if (!shape) return undefined;
    if (d.chunks) return this.chunkedBuffer(d, shape);
    const { ctx } = this;
    if (shape.size === undefined)
      return ctx.report(
        diagnostic(D.invalidValue.messages.bufferNeedsSize, d.name.span, { name: d.name.name }),
      );
    const at = num(ctx, d.at);
    if (at === undefined) return undefined;
    let memory = "";
    if (d.region) {
      if (ctx.names.bind(d.region, MEMORY)) memory = d.region.name;
    } else {
      for (const m of ctx.symbols.memories.values())
        if (at >= m.range.base && at < m.range.base + m.range.size) memory = m.name;
    }
    const out: IrBuffer[] = [];
    let next = at;
    for (let i = 0; i < shape.count; i++) {
      const pa = i === 0 ? next : alignUp(next, shape.align);
      if (pa + shape.size - 1n > U64_MAX)
        return ctx.report(
          diagnostic(D.arithmeticOverflow.messages.bufferEnd, d.span, { name: d.name.name }),
        );
      const chunks = [{ pa, size: shape.size }];
      out.push(element(d, i, shape.count, memory, shape.size, shape.align, chunks, false));
      next = pa + shape.size;
    }
    return atSize(out);
  }

  private chunkedBuffer(d: BufferDecl, shape: BufferShape): IrBuffer[] | undefined {
    const { ctx } = this;
    if (d.count) return ctx.report(diagnostic(D.invalidValue.messages.chunkedArray, d.count.span));
    const chunks: IrChunk[] = [];
    let memory: string | undefined;
    for (const c of d.chunks!) {
      const piece = memoryRef(ctx, c, { memoryOnly: true })?.[0];
      if (!piece) return undefined;
      if (memory !== undefined && piece.memory !== memory)
        return ctx.report(
          diagnostic(D.invalidValue.messages.chunksOneRegion, c.span, {
            name: d.name.name,
            memory,
            other: piece.memory,
          }),
        );
      memory = piece.memory;
      for (const c of piece.chunks) chunks.push(c);
    }
    const size = chunks.reduce((a, c) => a + c.size, 0n);
    if (shape.size !== undefined && shape.size !== size)
      ctx.report(
        diagnostic(D.invalidValue.messages.chunksTotal, d.size!.span, {
          size: formatSize(shape.size),
          total: formatSize(size),
        }),
      );
    return [element(d, 0, 1, memory ?? "", size, shape.align, chunks, false)];
  }

  private placeBuffer(b: BufferEntry, placerFor: (m: IrMemory) => RegionPlacer): void {
    const { ctx } = this;
    const d = b.node;
    const name = d.name.name;
    b.elements = null;
    const shape = this.shape(d);
    if (!shape) return;
    if (!d.region) {
      ctx.report(diagnostic(D.invalidValue.messages.bufferPlace, d.name.span, { name }));
      return;
    }
    if (shape.size === undefined) {
      ctx.report(diagnostic(D.invalidValue.messages.bufferNeedsSize, d.name.span, { name }));
      return;
    }
    if (!ctx.names.bind(d.region, MEMORY)) return;
    const memory = ctx.symbols.memories.get(d.region.name);
    if (!memory) return;
    // An array the whole region could never hold is refused before placing any element (no
    // work proportional to a count that cannot fit).
    const total = d.count ? BigInt(shape.count) * shape.size : shape.size;
    if (d.count && total > memory.range.size) {
      ctx.report(
        diagnostic(D.arrayExceedsRegion, d.count.span, {
          count: shape.count,
          size: formatSize(shape.size),
          total: formatSize(total),
          memory: memory.name,
          regionSize: formatSize(memory.range.size),
        }),
      );
      return;
    }
    const placer = placerFor(memory);
    // One element (most buffers) in an array of one; an array's elements by `push`.
    const out: IrBuffer[] = shape.count === 1 ? new Array<IrBuffer>(1) : [];
    for (let i = 0; i < shape.count; i++) {
      const pa = placer.place(shape.size, shape.align);
      if (pa === undefined) {
        const args = {
          index: i,
          name,
          size: formatSize(shape.size),
          align: formatSize(shape.align),
          memory: memory.name,
        };
        ctx.report(
          d.count
            ? diagnostic(D.regionFull.messages.element, d.span, args)
            : diagnostic(D.regionFull, d.span, args),
        );
        return;
      }
      const chunks = [{ pa, size: shape.size }];
      out[i] = element(d, i, shape.count, memory.name, shape.size, shape.align, chunks, true);
    }
    this.settle(b, shape.count === 1 ? out : atSize(out));
  }
}

/**
 * `list` in an array of its own size, to keep: one grown by `push` keeps room for 17 elements
 * (the one-element list of each of 100,000 buffers took as much memory as the buffer).
 */
function atSize<T>(list: T[]): T[] {
  return list.length === 1 ? [list[0]!] : list.slice();
}

function element(
  d: BufferDecl,
  i: number,
  count: number,
  memory: string,
  size: bigint,
  align: bigint,
  chunks: IrChunk[],
  placed: boolean,
): IrBuffer {
  const b: IrBuffer = {
    name: d.count ? `${d.name.name}[${i}]` : d.name.name,
    memory,
    size,
    align,
    chunks,
    placed,
    span: d.span,
  };
  if (d.count) b.array = { name: d.name.name, index: i, count };
  return b;
}
