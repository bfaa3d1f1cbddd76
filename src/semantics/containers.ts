/**
 * Builder for sPAPR `container` blocks: the model (a closed set), the owner process, host and
 * backing pages, registrations, and the DMA windows in their table slots. The default 32-bit
 * window exists unless `remove default32` says otherwise, and a window without `at` goes where
 * PowerNV puts its slot (0 or 1<<59), as tce_iommu_create_window() / pnv_pci_ioda2_create_table().
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import { hex } from "../diagnostics/format.js";
import type { Span } from "../diagnostics/span.js";
import type { IrContainer, IrRange, IrWindow } from "../ir/types.js";
import type { ContainerDecl, ContainerItem } from "../syntax/ast.js";
import { deviceAddress, num } from "./constants.js";
import type { ResolveContext } from "./context.js";
import { isPowerOfTwo, U64_MAX } from "./evaluate.js";
import { memoryRef } from "./memory-refs.js";
import {
  CONTAINER_MODELS,
  DEFAULT_WINDOW,
  DEFAULT_WINDOW_GEOMETRY,
  isContainerModel,
  platformWindowBase,
} from "./spapr.js";
import { didYouMean } from "../diagnostics/suggest.js";

interface PendingWindow {
  name: string;
  at: bigint | undefined;
  size: bigint;
  pageSize: bigint;
  levels: number;
  span: Span;
}

/** What a container's items declare besides the container's own fields. */
interface ContainerItems {
  pending: PendingWindow[];
  windowNames: Map<string, Span>;
  removal?: { name: string; span: Span; nameSpan: Span };
}

export function buildContainer(ctx: ResolveContext, s: ContainerDecl): void {
  if (ctx.names.isShadowed(s)) return;
  const model = s.model.name;
  if (!isContainerModel(model)) {
    const hint = didYouMean(model, [...CONTAINER_MODELS]);
    ctx.report(
      diagnostic(
        D.unknownContainerModel,
        s.model.span,
        { model, models: CONTAINER_MODELS.join(", ") },
        hint ? { hint } : {},
      ),
    );
  }
  const c: IrContainer = {
    name: s.name.name,
    mapper: ctx.names.bind(s.mapper, ["mapper"]) !== undefined ? s.mapper.name : "",
    model: isContainerModel(model) ? model : "spapr-v2",
    groups: [],
    owner: s.name.name,
    lockedLimit: U64_MAX,
    lockedLimitDeclared: false,
    hostPageSize: 4096n,
    backingPageSize: 0n,
    registered: [],
    windows: [],
    span: s.span,
  };
  const items: ContainerItems = { pending: [], windowNames: new Map() };
  for (const item of s.items) containerItem(ctx, c, item, items);
  backingPage(ctx, s, c);
  if (items.removal) removeDefault(ctx, c, items.removal, items.windowNames);
  c.windows = placeWindows(c, items.pending);
  ctx.symbols.containers.set(c.name, c);
  ctx.ir.containers.push(c);
}

function containerItem(
  ctx: ResolveContext,
  c: IrContainer,
  item: ContainerItem,
  items: ContainerItems,
): void {
  switch (item.kind) {
    case "groups":
      for (const g of item.groups) {
        const v = num(ctx, g);
        if (v !== undefined) c.groups.push(v);
      }
      break;
    case "locked-limit": {
      const v = num(ctx, item.value);
      if (v !== undefined) {
        c.lockedLimit = v;
        c.lockedLimitDeclared = true;
      }
      break;
    }
    case "host-page":
    case "backing-page": {
      const v = num(ctx, item.value);
      if (v === undefined) break;
      if (!isPowerOfTwo(v) || v < 4096n) {
        ctx.report(
          diagnostic(D.invalidValue.messages.containerPage, item.value.span, {
            item: item.kind,
            value: hex(v),
          }),
        );
        break;
      }
      if (item.kind === "host-page") c.hostPageSize = v;
      else c.backingPageSize = v;
      break;
    }
    case "owner":
      c.owner = item.process.name;
      break;
    case "remove":
      items.removal = { name: item.window.name, span: item.span, nameSpan: item.window.span };
      break;
    case "register":
      for (const ch of memoryRef(ctx, item.source)?.flatMap((p) => p.chunks) ?? [])
        c.registered.push({
          range: { base: ch.pa, size: ch.size, space: "pa" } satisfies IrRange,
          span: item.span,
        });
      break;
    case "window":
      windowItem(ctx, item, items);
      break;
  }
}

function windowItem(
  ctx: ResolveContext,
  item: Extract<ContainerItem, { kind: "window" }>,
  items: ContainerItems,
): void {
  const prev = items.windowNames.get(item.name.name);
  if (prev) {
    ctx.names.duplicate(item.name, prev);
    return;
  }
  items.windowNames.set(item.name.name, item.name.span);
  const at = item.at ? deviceAddress(ctx, item.at, "a window's `at`") : undefined;
  const size = num(ctx, item.size);
  const page = num(ctx, item.page);
  const levels = item.levels ? num(ctx, item.levels) : 1n;
  if ((item.at && at === undefined) || size === undefined || page === undefined) return;
  if (levels === undefined) return;
  if (size === 0n) {
    ctx.report(diagnostic(D.emptyRange.messages.window, item.size.span, { name: item.name.name }));
    return;
  }
  items.pending.push({
    name: item.name.name,
    at,
    size,
    pageSize: page,
    levels: levels > 1000n ? 1000 : Number(levels),
    span: item.span,
  });
}

/** Memory is backed by whole host pages at least; unset, it is the host page. */
function backingPage(ctx: ResolveContext, s: ContainerDecl, c: IrContainer): void {
  if (c.backingPageSize === 0n) c.backingPageSize = c.hostPageSize;
  else if (c.backingPageSize < c.hostPageSize) {
    const item = s.items.find((i) => i.kind === "backing-page");
    ctx.report(
      diagnostic(D.invalidValue.messages.backingPage, item?.span ?? s.span, {
        backing: hex(c.backingPageSize),
        host: hex(c.hostPageSize),
      }),
    );
    c.backingPageSize = c.hostPageSize;
  }
}

/** `remove default32`: only the default window can be removed, and only if not declared. */
function removeDefault(
  ctx: ResolveContext,
  c: IrContainer,
  removal: NonNullable<ContainerItems["removal"]>,
  windowNames: ReadonlyMap<string, Span>,
): void {
  if (removal.name !== DEFAULT_WINDOW)
    ctx.report(
      diagnostic(D.removeUnknownWindow, removal.nameSpan, {
        window: DEFAULT_WINDOW,
        name: removal.name,
      }),
    );
  else if (windowNames.has(DEFAULT_WINDOW))
    ctx.report(
      diagnostic(
        D.removeUnknownWindow.messages.declared,
        removal.nameSpan,
        { window: DEFAULT_WINDOW, container: c.name },
        {
          related: [
            {
              span: windowNames.get(DEFAULT_WINDOW)!,
              message: `'${DEFAULT_WINDOW}' is declared here`,
            },
          ],
        },
      ),
    );
  else c.removedDefault = removal.span;
}

/**
 * Slots as tce_iommu_find_free_table() hands them out: the default window (declared or not)
 * takes slot 0 first, then each declared window the lowest free slot. Slots past the second are
 * kept (numbered on) so `too-many-windows` can name them.
 */
function placeWindows(c: IrContainer, pending: PendingWindow[]): IrWindow[] {
  const out: IrWindow[] = [];
  const declaredDefault = pending.find((w) => w.name === DEFAULT_WINDOW);
  const make = (w: PendingWindow, slot: number, implicit: boolean): IrWindow => ({
    name: w.name,
    qualifiedName: `${c.name}.${w.name}`,
    range: { base: w.at ?? platformWindowBase(Math.min(slot, 1)), size: w.size, space: "bus" },
    pageSize: w.pageSize,
    levels: w.levels,
    slot,
    implicit,
    span: w.span,
  });
  if (declaredDefault) out.push(make(declaredDefault, 0, false));
  else if (!c.removedDefault)
    out.push(
      make(
        {
          name: DEFAULT_WINDOW,
          at: DEFAULT_WINDOW_GEOMETRY.base,
          size: DEFAULT_WINDOW_GEOMETRY.size,
          pageSize: DEFAULT_WINDOW_GEOMETRY.pageSize,
          levels: DEFAULT_WINDOW_GEOMETRY.levels,
          span: c.span,
        },
        0,
        true,
      ),
    );
  for (const w of pending) if (w !== declaredDefault) out.push(make(w, out.length, false));
  return out;
}
