/**
 * What a memory reference (`ddr`, `buf`, `frame[3]`, `frame[*]`, `ddr[A .. +S]`, `buf[A .. B]`)
 * denotes: the pieces of physical memory a `map`, `expect`, pool or chunk talks about.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import { formatSize, hex } from "../diagnostics/format.js";
import type { IrBuffer, IrChunk, IrMapping, IrObjectRef } from "../ir/types.js";
import type { BufferRef, MemoryRef, SliceRef } from "../syntax/ast.js";
import { arrayIndex } from "./constants.js";
import type { ResolveContext } from "./context.js";
import { U64_MAX } from "./evaluate.js";

/** One piece of memory a `map`, `expect` or pool talks about (one array element at most). */
export interface MemoryPiece {
  buffer?: string;
  memory: string;
  chunks: IrChunk[];
  size: bigint;
  align: bigint;
  /** What a mapping of this piece maps (`mappings.ts`): made once, shared, never changed. */
  source?: IrMapping["source"];
  /** What an `expect` naming this piece alone names: made once, shared, never changed. */
  object?: IrObjectRef;
}

/** The default options, one object (a default `{}` is a new object per call). */
const ANY_MEMORY: { memoryOnly?: boolean } = {};

/**
 * One piece per buffer element (`frame[*]`, or an array named alone), one for a single buffer,
 * region or slice.
 */
export function memoryRef(
  ctx: ResolveContext,
  ref: MemoryRef,
  opts: { memoryOnly?: boolean } = ANY_MEMORY,
): MemoryPiece[] | undefined {
  return ref.kind === "buffer-ref" ? namedRef(ctx, ref, opts) : sliceRef(ctx, ref, opts);
}

/** The buffers and chunks a reference names, for `expect` and scenario steps. */
export function objectRef(ctx: ResolveContext, ref: MemoryRef): IrObjectRef | undefined {
  const pieces = memoryRef(ctx, ref);
  if (!pieces || pieces.length === 0) return undefined;
  if (pieces.length === 1) {
    // A buffer's pieces are made once (`namedRef`), so every `expect` naming it shares one.
    const p = pieces[0]!;
    return (p.object ??= {
      buffers: p.buffer !== undefined ? [p.buffer] : [],
      memory: p.memory,
      chunks: p.chunks,
    });
  }
  const buffers: string[] = [];
  const chunks: IrChunk[] = [];
  for (const p of pieces) {
    if (p.buffer) buffers.push(p.buffer);
    for (const c of p.chunks) chunks.push(c);
  }
  return { buffers, memory: pieces[0]!.memory, chunks };
}

const MEMORY = ["memory"] as const;
const MEMORY_OR_BUFFER = ["memory", "buffer"] as const;

function refKinds(opts: { memoryOnly?: boolean }) {
  return opts.memoryOnly ? MEMORY : MEMORY_OR_BUFFER;
}

/** `ddr`, `buf`, `frame[3]` or `frame[*]`. */
function namedRef(
  ctx: ResolveContext,
  ref: BufferRef,
  opts: { memoryOnly?: boolean },
): MemoryPiece[] | undefined {
  const decl = ctx.names.bind(ref.name, refKinds(opts));
  if (!decl) return undefined;
  if (decl.kind === "memory") {
    if (ref.index !== undefined)
      return ctx.report(
        diagnostic(D.invalidIndex.messages.region, ref.span, { name: ref.name.name }),
      );
    const m = ctx.symbols.memories.get(decl.node.name.name);
    if (!m) return undefined;
    return [
      {
        memory: m.name,
        chunks: [{ pa: m.range.base, size: m.range.size }],
        size: m.range.size,
        align: 1n,
      },
    ];
  }
  const elems = ctx.buffers.elements(decl, ref.span);
  if (!elems) return undefined;
  // Made once per buffer and shared by every reference (callers never change them).
  const pieces = (decl.pieces ??=
    elems.length === 1 ? [bufferPiece(elems[0]!)] : elems.map(bufferPiece));
  if (ref.index !== undefined && ref.index !== "*") {
    if (!decl.node.count)
      return ctx.report(diagnostic(D.invalidIndex, ref.index.span, { name: ref.name.name }));
    const i = arrayIndex(ctx, ref.index, elems.length, ref.name.name);
    if (i === undefined) return undefined;
    return [pieces[i]!];
  } else if (ref.index === "*" && !decl.node.count) {
    return ctx.report(
      diagnostic(D.invalidIndex.messages.notArrayWrite, ref.span, { name: ref.name.name }),
    );
  }
  return pieces;
}

/** A buffer element's piece, with room for what is made of it once (`source`, `object`). */
function bufferPiece(b: IrBuffer): MemoryPiece {
  return {
    buffer: b.name,
    memory: b.memory,
    chunks: b.chunks,
    size: b.size,
    align: b.align,
    source: undefined,
    object: undefined,
  };
}

/** `ddr[A .. +S]` (a slice of a region) or `buf[A .. B]` (of a buffer). */
function sliceRef(
  ctx: ResolveContext,
  ref: SliceRef,
  opts: { memoryOnly?: boolean },
): MemoryPiece[] | undefined {
  const decl = ctx.names.bind(ref.target, refKinds(opts));
  if (!decl) return undefined;
  const r = ctx.evaluator.range(ref.range);
  if (!r) return undefined;
  if (decl.kind === "memory") {
    const m = ctx.symbols.memories.get(decl.node.name.name);
    if (!m) return undefined;
    const pa = m.range.base + r.base;
    if (pa + r.size - 1n > U64_MAX)
      return ctx.report(diagnostic(D.arithmeticOverflow.messages.sliceEnd, ref.span));
    return [{ memory: m.name, chunks: [{ pa, size: r.size }], size: r.size, align: 1n }];
  }
  const elems = ctx.buffers.elements(decl, ref.span);
  if (!elems) return undefined;
  if (elems.length !== 1)
    return ctx.report(
      diagnostic(D.invalidIndex.messages.sliceOne, ref.target.span, { name: ref.target.name }),
    );
  const b = elems[0]!;
  if (r.base + r.size > b.size)
    return ctx.report(
      diagnostic(D.outsideRegion.messages.bufferSlice, ref.span, {
        range: `${hex(r.base)} .. +${formatSize(r.size)}`,
        buffer: b.name,
        size: formatSize(b.size),
      }),
    );
  return [
    {
      buffer: b.name,
      memory: b.memory,
      chunks: sliceChunks(b.chunks, r.base, r.size),
      size: r.size,
      align: 1n,
    },
  ];
}

/** The chunks covering [offset, offset + size) of a buffer made of `chunks`. */
export function sliceChunks(chunks: readonly IrChunk[], offset: bigint, size: bigint): IrChunk[] {
  const out: IrChunk[] = [];
  let skip = offset;
  let left = size;
  for (const c of chunks) {
    if (left === 0n) break;
    if (skip >= c.size) {
      skip -= c.size;
      continue;
    }
    const take = c.size - skip < left ? c.size - skip : left;
    out.push({ pa: c.pa + skip, size: take });
    left -= take;
    skip = 0n;
  }
  return out;
}
