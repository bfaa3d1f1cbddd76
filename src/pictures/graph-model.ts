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

/** Nodes in first-added order (a node added twice is kept once); edges numbered as added. */
class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];
  private readonly has = new Set<string>();

  addNode(n: GraphNode): void {
    if (this.has.has(n.id)) return;
    this.has.add(n.id);
    this.nodes.push(n);
  }

  addEdge(from: string, to: string, label: string, kind: GraphEdge["kind"]): void {
    this.edges.push({ id: `e${this.edges.length}`, from, to, label, kind });
  }
}

/** Endpoints, mappers, containers with their windows, domains, memories: nodes, and the
 * attach edges from a mapper to its containers and domains. */
function addDeclarations(g: GraphBuilder, ir: IrTopology): void {
  for (const e of ir.endpoints) {
    const bits = e.dmaMaskBits < 64 ? `, ${e.dmaMaskBits}-bit` : "";
    g.addNode({
      id: nodeId("endpoint", e.name),
      kind: "endpoint",
      label: e.name,
      detail: `${e.kind}${bits}`,
    });
  }
  for (const m of ir.mappers) {
    g.addNode({
      id: nodeId("mapper", m.name),
      kind: "mapper",
      label: m.name,
      detail: `${m.role} ${m.format}`,
    });
  }
  for (const c of ir.containers) {
    g.addNode({
      id: nodeId("container", c.name),
      kind: "container",
      label: c.name,
      detail: c.model,
    });
    g.addEdge(nodeId("mapper", c.mapper), nodeId("container", c.name), "", "attach");
    for (const w of c.windows) {
      g.addNode({
        id: nodeId("window", w.qualifiedName),
        kind: "window",
        label: w.qualifiedName,
        detail: `window ${sizeText(w.range.size)}, ${sizeText(w.pageSize)} pages`,
      });
      g.addEdge(nodeId("container", c.name), nodeId("window", w.qualifiedName), "", "attach");
    }
  }
  for (const d of ir.domains) {
    g.addNode({
      id: nodeId("domain", d.name),
      kind: "domain",
      label: d.name,
      detail: d.implicit ? `${d.type} (implicit)` : d.type,
      ...(d.type === "blocked" ? { blocked: true } : {}),
    });
    g.addEdge(
      nodeId("mapper", d.mapper),
      nodeId("domain", d.name),
      d.attached.join(", "),
      "attach",
    );
  }
  for (const mem of ir.memories) {
    g.addNode({
      id: nodeId("memory", mem.name),
      kind: "memory",
      label: mem.name,
      detail: `${mem.kind} ${sizeText(mem.range.size)}`,
    });
  }
}

/** An edge from each endpoint behind a mapper to it, labelled with its stream and group. */
function addEndpointAttachments(g: GraphBuilder, ir: IrTopology): void {
  for (const e of ir.endpoints) {
    if (e.mapper === undefined) continue;
    const stream = e.stream !== undefined ? `stream ${hex(e.stream)}` : "";
    const group = e.group !== undefined ? `group ${e.group}` : "";
    g.addEdge(
      nodeId("endpoint", e.name),
      nodeId("mapper", e.mapper),
      [stream, group].filter(Boolean).join(", "),
      "attach",
    );
  }
}

/** Mappings: one edge per (translation, memory), labelled with the rights and the bytes mapped. */
function addMappingEdges(g: GraphBuilder, ir: IrTopology): void {
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
    const group = groups.get(key) ?? { from, to, rights: new Set<string>(), bytes: 0n, count: 0 };
    group.rights.add(rightsOf(m.perms));
    group.bytes += m.source.size;
    group.count++;
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    const rights = [...group.rights].sort().join("/");
    const maps = group.count === 1 ? "1 map" : `${group.count} maps`;
    g.addEdge(group.from, group.to, `${rights} ${sizeText(group.bytes)} (${maps})`, "map");
  }
}

/** By-design reach: identity domains and endpoints with no MMU see memory without a table. */
function addUntranslatedReach(g: GraphBuilder, ir: IrTopology): void {
  for (const d of ir.domains) {
    if (d.type !== "identity") continue;
    for (const mem of ir.memories) {
      if (mem.kind === "reserved") continue;
      const end = d.aperture.base + d.aperture.size;
      if (mem.range.base < end && mem.range.base + mem.range.size > d.aperture.base) {
        g.addEdge(nodeId("domain", d.name), nodeId("memory", mem.name), "identity", "map");
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
      g.addEdge(nodeId("endpoint", e.name), nodeId("memory", mem.name), "direct (no MMU)", "map");
    }
  }
}

export function buildTopologyGraph(ir: IrTopology): TopologyGraph {
  const g = new GraphBuilder();
  addDeclarations(g, ir);
  addEndpointAttachments(g, ir);
  addMappingEdges(g, ir);
  addUntranslatedReach(g, ir);
  return { name: ir.name, nodes: g.nodes, edges: g.edges };
}
