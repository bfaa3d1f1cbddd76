/**
 * The mapping graph of a topology as plain nodes and edges, read from the IR: endpoints, the
 * mappers they sit behind (with their table format), domains and sPAPR containers with their
 * windows, memory regions, and who maps what with which rights. Both the SVG and the Graphviz
 * writers draw this model, so they always agree. Order is declaration order: stable output.
 */
import type { IrTopology } from "../ir/types.js";
import { hex } from "../diagnostics/format.js";
import { sizeText } from "./xml.js";

export type GraphNodeKind = "endpoint" | "mapper" | "domain" | "container" | "window" | "memory";

export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  /** The name as written in the source. */
  label: string;
  /** A second line: format, domain type, region kind and size... */
  detail: string;
  /** Drawn dashed (a blocked domain). */
  blocked?: boolean;
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  label: string;
  /** `attach`: endpoint to mapper or mapper to domain; `map`: translation to memory. */
  kind: "attach" | "map";
}

export interface TopologyGraph {
  name: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const rightsOf = (p: { r: boolean; w: boolean; x: boolean; priv: boolean }) =>
  (p.r ? "r" : "") + (p.w ? "w" : "") + (p.x ? "x" : "") + (p.priv ? "p" : "") || "none";

/** Node ids are `kind:name`; words other than [A-Za-z0-9_.] are kept out so DOT and SVG agree. */
export function nodeId(kind: GraphNodeKind, name: string): string {
  return `${kind}:${name}`;
}

export function buildTopologyGraph(ir: IrTopology): TopologyGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const has = new Set<string>();
  const addNode = (n: GraphNode) => {
    if (has.has(n.id)) return;
    has.add(n.id);
    nodes.push(n);
  };
  const addEdge = (from: string, to: string, label: string, kind: GraphEdge["kind"]) => {
    edges.push({ id: `e${edges.length}`, from, to, label, kind });
  };

  for (const e of ir.endpoints) {
    const bits = e.dmaMaskBits < 64 ? `, ${e.dmaMaskBits}-bit` : "";
    addNode({
      id: nodeId("endpoint", e.name),
      kind: "endpoint",
      label: e.name,
      detail: `${e.kind}${bits}`,
    });
  }
  for (const m of ir.mappers) {
    addNode({
      id: nodeId("mapper", m.name),
      kind: "mapper",
      label: m.name,
      detail: `${m.role} ${m.format}`,
    });
  }
  for (const c of ir.containers) {
    addNode({ id: nodeId("container", c.name), kind: "container", label: c.name, detail: c.model });
    addEdge(nodeId("mapper", c.mapper), nodeId("container", c.name), "", "attach");
    for (const w of c.windows) {
      addNode({
        id: nodeId("window", w.qualifiedName),
        kind: "window",
        label: w.qualifiedName,
        detail: `window ${sizeText(w.range.size)}, ${sizeText(w.pageSize)} pages`,
      });
      addEdge(nodeId("container", c.name), nodeId("window", w.qualifiedName), "", "attach");
    }
  }
  for (const d of ir.domains) {
    addNode({
      id: nodeId("domain", d.name),
      kind: "domain",
      label: d.name,
      detail: d.implicit ? `${d.type} (implicit)` : d.type,
      ...(d.type === "blocked" ? { blocked: true } : {}),
    });
    addEdge(nodeId("mapper", d.mapper), nodeId("domain", d.name), d.attached.join(", "), "attach");
  }
  for (const mem of ir.memories) {
    addNode({
      id: nodeId("memory", mem.name),
      kind: "memory",
      label: mem.name,
      detail: `${mem.kind} ${sizeText(mem.range.size)}`,
    });
  }
  for (const e of ir.endpoints) {
    if (e.mapper === undefined) continue;
    const stream = e.stream !== undefined ? `stream ${hex(e.stream)}` : "";
    const group = e.group !== undefined ? `group ${e.group}` : "";
    addEdge(
      nodeId("endpoint", e.name),
      nodeId("mapper", e.mapper),
      [stream, group].filter(Boolean).join(", "),
      "attach",
    );
  }

  // Mappings: one edge per (translation, memory), labelled with the rights and the bytes mapped.
  const groups = new Map<
    string,
    { from: string; to: string; rights: Set<string>; bytes: bigint; count: number }
  >();
  for (const m of ir.mappings) {
    if (m.scenario !== undefined) continue;
    const t = m.target;
    const from =
      t.kind === "domain"
        ? nodeId("domain", t.name)
        : t.kind === "window"
          ? nodeId("window", t.name)
          : nodeId("endpoint", t.name);
    const to = nodeId("memory", m.source.memory);
    const key = `${from}\u0000${to}`;
    const g = groups.get(key) ?? { from, to, rights: new Set<string>(), bytes: 0n, count: 0 };
    g.rights.add(rightsOf(m.perms));
    g.bytes += m.source.size;
    g.count++;
    groups.set(key, g);
  }
  for (const g of groups.values()) {
    const rights = [...g.rights].sort().join("/");
    const maps = g.count === 1 ? "1 map" : `${g.count} maps`;
    addEdge(g.from, g.to, `${rights} ${sizeText(g.bytes)} (${maps})`, "map");
  }
  // By-design reach: identity domains and endpoints with no MMU see memory without a table.
  for (const d of ir.domains) {
    if (d.type !== "identity") continue;
    for (const mem of ir.memories) {
      if (mem.kind === "reserved") continue;
      const end = d.aperture.base + d.aperture.size;
      if (mem.range.base < end && mem.range.base + mem.range.size > d.aperture.base) {
        addEdge(nodeId("domain", d.name), nodeId("memory", mem.name), "identity", "map");
      }
    }
  }
  const mapped = new Set(
    ir.mappings.filter((m) => m.target.kind === "direct").map((m) => m.target.name),
  );
  for (const e of ir.endpoints) {
    if (e.mapper !== undefined || mapped.has(e.name)) continue;
    const limit = e.dmaMaskBits >= 64 ? 1n << 64n : 1n << BigInt(e.dmaMaskBits);
    for (const mem of ir.memories) {
      if (mem.kind === "reserved" || mem.range.base < e.busOffset) continue;
      if (mem.range.base - e.busOffset >= limit) continue;
      addEdge(nodeId("endpoint", e.name), nodeId("memory", mem.name), "direct (no MMU)", "map");
    }
  }
  return { name: ir.name, nodes, edges };
}
