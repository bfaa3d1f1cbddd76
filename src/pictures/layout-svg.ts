/**
 * `vcm layout`: every domain's, sPAPR window's and CPU context's address space as a bar (to scale
 * where it fits, gaps compressed and marked where not) with the aperture, the mappings coloured
 * by page size, the reserved / MSI / unity ranges and labels; then the physical map: each memory
 * region with its buffers and which endpoints reach it with which rights.
 */
import type { CompiledMapping, CompiledTopology } from "../lowering/compiled.js";
import { protText } from "../lowering/protection.js";
import { addressScale, xOf, type AddressScale, type Interval } from "./address-scale.js";
import { reachRows, tableUsers, type ReachRow } from "./reach.js";
import { pageSizeClass, pictureStyle } from "./theme.js";
import { esc, hexAddr, num, sizeText, textWidth } from "./xml.js";

const WIDTH = 1000;
const LEFT = 20;
const BAR_WIDTH = WIDTH - 2 * LEFT;
const BAR_HEIGHT = 22;
const LABEL_ROWS = 3;
const ROW_STEP = 13;

export interface LayoutSvgOptions {
  idPrefix?: string;
}

interface AddressSpace {
  title: string;
  detail: string;
  aperture: Interval;
  reserved: { kind: string; range: Interval }[];
  mappings: CompiledMapping[];
  note?: string;
}

function addressSpaces(compiled: CompiledTopology): AddressSpace[] {
  const ir = compiled.ir;
  const byTable = new Map<string, CompiledMapping[]>();
  for (const m of compiled.mappings) {
    const key = m.table ?? m.target.name;
    const list = byTable.get(key) ?? [];
    list.push(m);
    byTable.set(key, list);
  }
  const users = tableUsers(compiled);
  const tableOf = new Map(compiled.domains.map((d) => [d.name, d.table ?? d.name]));
  const format = new Map(ir.mappers.map((m) => [m.name, m.format]));
  const spaces: AddressSpace[] = [];
  for (const d of ir.domains) {
    const table = tableOf.get(d.name) ?? d.name;
    const who = users.get(table) ?? d.attached;
    const cpu = ir.endpoints.some((e) => e.kind === "cpu" && e.domain === d.name);
    spaces.push({
      title: `${cpu ? "cpu context" : "domain"} ${d.name}`,
      detail: `on ${d.mapper} (${format.get(d.mapper) ?? "?"}), ${d.type}${who.length > 0 ? `; used by ${who.join(", ")}` : ""}`,
      aperture: d.aperture,
      reserved: d.reserved.map((r) => ({ kind: r.kind, range: r.range })),
      mappings: byTable.get(table) ?? [],
      ...(d.type === "identity"
        ? { note: "identity: every address in the aperture reaches the same physical address" }
        : d.type === "blocked"
          ? { note: "blocked: every access faults" }
          : {}),
    });
  }
  for (const c of ir.containers) {
    for (const w of c.windows) {
      const who = users.get(w.qualifiedName) ?? [];
      spaces.push({
        title: `window ${w.qualifiedName}`,
        detail: `container ${c.name} on ${c.mapper} (${c.model}), ${sizeText(w.pageSize)} TCEs, slot ${w.slot}${who.length > 0 ? `; used by ${who.join(", ")}` : ""}`,
        aperture: w.range,
        reserved: [],
        mappings: byTable.get(w.qualifiedName) ?? [],
      });
    }
  }
  return spaces;
}

/** Labels below a bar, each in the first row where it does not overlap; the rest are counted. */
class LabelRows {
  private ends: number[] = new Array(LABEL_ROWS).fill(-Infinity);
  skipped = 0;
  place(x: number, width: number): number {
    for (let r = 0; r < LABEL_ROWS; r++) {
      if (this.ends[r]! < x) {
        this.ends[r] = x + width + 6;
        return r;
      }
    }
    this.skipped++;
    return -1;
  }
}

function drawGaps(out: string[], scale: AddressScale, y: number): void {
  for (const p of scale.pieces) {
    if (!p.gap) continue;
    const x = LEFT + p.x0;
    out.push(
      `<rect class="gap" x="${num(x)}" y="${num(y)}" width="${num(p.x1 - p.x0)}" height="${BAR_HEIGHT}"><title>${esc(`gap of ${sizeText(p.end - p.base)} (${hexAddr(p.base)}..${hexAddr(p.end)}), not to scale`)}</title></rect>`,
      `<text class="small muted" x="${num(x + (p.x1 - p.x0) / 2 - 5)}" y="${num(y + 15)}">//</text>`,
    );
  }
}

function drawSpace(out: string[], s: AddressSpace, y0: number): number {
  const features: Interval[] = [
    ...s.mappings.flatMap((m) => m.chunks.map((c) => ({ base: c.iova, size: c.size }))),
    ...s.reserved.map((r) => r.range),
  ];
  const scale = addressScale(s.aperture, features, BAR_WIDTH);
  const how = scale.toScale ? "to scale" : "not to scale: empty stretches compressed (//)";
  out.push(
    `<g class="space" data-space="${esc(s.title)}">`,
    `<text class="bold" x="${LEFT}" y="${y0 + 12}">${esc(s.title)}</text>`,
    `<text class="small muted" x="${LEFT + textWidth(s.title) + 12}" y="${y0 + 12}">${esc(`${s.detail}; aperture ${hexAddr(s.aperture.base)}..${hexAddr(s.aperture.base + s.aperture.size)} (${sizeText(s.aperture.size)}), ${how}`)}</text>`,
  );
  const y = y0 + 20;
  out.push(
    `<rect class="bar" x="${LEFT}" y="${y}" width="${num(scale.width)}" height="${BAR_HEIGHT}"/>`,
  );
  drawGaps(out, scale, y);
  const rows = new LabelRows();
  const labels: string[] = [];
  for (const m of s.mappings) {
    const name = m.buffer ?? m.memory;
    for (const c of m.chunks) {
      for (const r of c.runs) {
        const end = r.iova + r.pageSize * BigInt(r.count);
        const x0 = LEFT + xOf(scale, r.iova);
        const w = Math.max(LEFT + xOf(scale, end) - x0, 1.5);
        out.push(
          `<rect class="${pageSizeClass(r.pageSize)}" x="${num(x0)}" y="${y}" width="${num(w)}" height="${BAR_HEIGHT}"><title>${esc(`${name}: ${hexAddr(r.iova)}..${hexAddr(end)} -> pa ${hexAddr(r.pa)}, ${r.count} x ${sizeText(r.pageSize)} pages, ${protText(m.prot)}`)}</title></rect>`,
        );
      }
      const text = `${name} ${hexAddr(c.iova)}`;
      const x = LEFT + xOf(scale, c.iova);
      const row = rows.place(x, textWidth(text, 10));
      if (row >= 0) {
        const ty = y + BAR_HEIGHT + 12 + row * ROW_STEP;
        labels.push(
          `<line class="tick" x1="${num(x)}" y1="${y + BAR_HEIGHT}" x2="${num(x)}" y2="${ty - 9}"/>`,
          `<text class="small" x="${num(x + 2)}" y="${ty}">${esc(text)}</text>`,
        );
      }
    }
  }
  for (const r of s.reserved) {
    const x0 = LEFT + xOf(scale, r.range.base);
    const w = Math.max(LEFT + xOf(scale, r.range.base + r.range.size) - x0, 1.5);
    out.push(
      `<rect class="r-${r.kind}" x="${num(x0)}" y="${y - 4}" width="${num(w)}" height="${BAR_HEIGHT + 8}"><title>${esc(`${r.kind} ${hexAddr(r.range.base)}..${hexAddr(r.range.base + r.range.size)}`)}</title></rect>`,
    );
    const text = `${r.kind} ${hexAddr(r.range.base)}`;
    const row = rows.place(x0, textWidth(text, 10));
    if (row >= 0) {
      labels.push(
        `<text class="small muted" x="${num(x0 + 2)}" y="${y + BAR_HEIGHT + 12 + row * ROW_STEP}">${esc(text)}</text>`,
      );
    }
  }
  out.push(...labels);
  let yEnd = y + BAR_HEIGHT + 12 + LABEL_ROWS * ROW_STEP;
  const notes: string[] = [];
  if (s.note) notes.push(s.note);
  if (s.mappings.length === 0 && !s.note) notes.push("no mappings");
  if (rows.skipped > 0)
    notes.push(`${rows.skipped} more label(s) not shown: hover a range for its details`);
  for (const n of notes) {
    out.push(`<text class="small muted" x="${LEFT}" y="${yEnd}">${esc(n)}</text>`);
    yEnd += ROW_STEP;
  }
  out.push("</g>");
  return yEnd + 14;
}

function drawLegend(out: string[], compiled: CompiledTopology, y: number): number {
  const sizes = new Set<string>();
  for (const m of compiled.mappings)
    for (const c of m.chunks) for (const r of c.runs) sizes.add(r.pageSize.toString());
  const ordered = [...sizes].map(BigInt).sort((a, b) => (a < b ? -1 : 1));
  let x = LEFT;
  const item = (cls: string, text: string) => {
    out.push(
      `<rect class="${cls}" x="${x}" y="${y}" width="14" height="10"/>`,
      `<text class="small" x="${x + 18}" y="${y + 9}">${esc(text)}</text>`,
    );
    x += 18 + textWidth(text, 10) + 16;
  };
  for (const s of ordered) item(pageSizeClass(s), `${sizeText(s)} pages`);
  item("r-reserve", "reserved");
  item("r-msi", "MSI");
  item("r-unity", "unity");
  return y + 24;
}

type Memory = CompiledTopology["ir"]["memories"][number];
interface Piece {
  pa: bigint;
  size: bigint;
  label: string;
  what: string;
}

/** The pieces drawn on a region's bar: its buffers' chunks, and slices mapped without a buffer
 * (drawn from what the tables reach). */
function piecesOf(compiled: CompiledTopology, mem: Memory, rows: ReachRow[]): Piece[] {
  const buffers = compiled.ir.buffers.filter((b) => b.memory === mem.name);
  const slices = rows.filter(
    (r) => r.memory === mem.name && r.via === "table" && r.buffer === undefined,
  );
  return [
    ...buffers.flatMap((b) =>
      b.chunks.map((c, i) => ({
        pa: c.pa,
        size: c.size,
        label: i === 0 ? b.name : "",
        what: b.name,
      })),
    ),
    ...slices.map((r) => ({
      pa: r.pa,
      size: r.size,
      label: `${r.endpoint} ${r.rights}`,
      what: `${r.endpoint} via ${r.table} at ${hexAddr(r.address)}, ${r.rights}`,
    })),
  ];
}

/** A region's title and bar with its pieces and their labels; returns the y below the labels. */
function drawRegionBar(out: string[], mem: Memory, pieces: Piece[], y: number): number {
  const scale = addressScale(
    mem.range,
    pieces.map((p) => ({ base: p.pa, size: p.size })),
    BAR_WIDTH,
  );
  out.push(
    `<text class="bold" x="${LEFT}" y="${y + 12}">${esc(mem.name)}</text>`,
    `<text class="small muted" x="${LEFT + textWidth(mem.name) + 12}" y="${y + 12}">${esc(`${mem.kind}, pa ${hexAddr(mem.range.base)}..${hexAddr(mem.range.base + mem.range.size)} (${sizeText(mem.range.size)})${scale.toScale ? "" : ", not to scale"}`)}</text>`,
    `<rect class="bar" x="${LEFT}" y="${y + 20}" width="${num(scale.width)}" height="${BAR_HEIGHT}"/>`,
  );
  drawGaps(out, scale, y + 20);
  const labels = new LabelRows();
  for (const p of pieces) {
    const x0 = LEFT + xOf(scale, p.pa);
    const w = Math.max(LEFT + xOf(scale, p.pa + p.size) - x0, 1.5);
    out.push(
      `<rect class="node k-memory" x="${num(x0)}" y="${y + 20}" width="${num(w)}" height="${BAR_HEIGHT}"><title>${esc(`${p.what}: pa ${hexAddr(p.pa)}..${hexAddr(p.pa + p.size)} (${sizeText(p.size)})`)}</title></rect>`,
    );
    if (!p.label) continue;
    const row = labels.place(x0, textWidth(p.label, 10));
    if (row >= 0) {
      out.push(
        `<text class="small" x="${num(x0 + 2)}" y="${y + 20 + BAR_HEIGHT + 12 + row * ROW_STEP}">${esc(p.label)}</text>`,
      );
    }
  }
  return y + 20 + BAR_HEIGHT + 12 + LABEL_ROWS * ROW_STEP + 4;
}

/** Who reaches a region: per endpoint, its rights, bytes, ways in and buffers. */
function drawRegionReach(out: string[], mem: Memory, rows: ReachRow[], y: number): number {
  let ly = y;
  const reach = new Map<
    string,
    { rights: Set<string>; bytes: bigint; via: Set<string>; buffers: Set<string> }
  >();
  for (const r of rows) {
    if (r.memory !== mem.name) continue;
    const e = reach.get(r.endpoint) ?? {
      rights: new Set(),
      bytes: 0n,
      via: new Set(),
      buffers: new Set(),
    };
    e.rights.add(r.rights);
    e.bytes += r.size;
    e.via.add(
      r.via === "table"
        ? `table ${r.table}`
        : r.via === "identity"
          ? `identity ${r.table}`
          : "direct, no MMU",
    );
    if (r.buffer) e.buffers.add(r.buffer);
    reach.set(r.endpoint, e);
  }
  if (reach.size === 0) {
    out.push(`<text class="small muted" x="${LEFT}" y="${ly}">reached by no endpoint</text>`);
    ly += ROW_STEP;
  }
  for (const [endpoint, e] of reach) {
    const bufs = [...e.buffers];
    const what =
      bufs.length === 0
        ? ""
        : ` (${bufs.slice(0, 6).join(", ")}${bufs.length > 6 ? `, +${bufs.length - 6}` : ""})`;
    out.push(
      `<text class="small" x="${LEFT}" y="${ly}"><tspan class="bold">${esc(endpoint)}</tspan> ${esc(`${[...e.rights].sort().join("/")} ${sizeText(e.bytes)} via ${[...e.via].join(", ")}${what}`)}</text>`,
    );
    ly += ROW_STEP;
  }
  return ly;
}

function drawPhysicalMap(out: string[], compiled: CompiledTopology, y: number): number {
  const rows = reachRows(compiled);
  out.push(
    `<text class="title" x="${LEFT}" y="${y + 14}">physical map: who reaches each region</text>`,
  );
  y += 28;
  for (const mem of compiled.ir.memories) {
    out.push(`<g class="region" data-region="${esc(mem.name)}">`);
    const below = drawRegionBar(out, mem, piecesOf(compiled, mem, rows), y);
    const ly = drawRegionReach(out, mem, rows, below);
    out.push("</g>");
    y = ly + 14;
  }
  return y;
}

export function layoutSvg(compiled: CompiledTopology, options: LayoutSvgOptions = {}): string {
  const prefix = options.idPrefix ?? "l";
  const body: string[] = [];
  let y = drawLegend(body, compiled, 38);
  for (const s of addressSpaces(compiled)) y = drawSpace(body, s, y);
  y = drawPhysicalMap(body, compiled, y + 6);
  const height = Math.ceil(y + 10);
  const name = compiled.ir.name;
  return (
    [
      `<svg xmlns="http://www.w3.org/2000/svg" class="vcm-layout" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${prefix}-title">`,
      `<title id="${prefix}-title">Address spaces of ${esc(name)}</title>`,
      `<style>${pictureStyle()}</style>`,
      `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="var(--bg)"/>`,
      `<text class="title" x="${LEFT}" y="24">${esc(name)}: address spaces</text>`,
      ...body,
      "</svg>",
    ].join("\n") + "\n"
  );
}
