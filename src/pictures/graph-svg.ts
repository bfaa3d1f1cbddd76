/**
 * `vcm graph`: the mapping graph as SVG. Placement is done by ELK's layered algorithm (elkjs):
 * layers left to right (endpoints, mappers, domains and windows, memory), crossings minimised
 * and edges routed orthogonally, so a 30-endpoint topology stays readable without hand-placed
 * boxes. ELK is deterministic for a given input order, and coordinates are rounded, so the same
 * topology gives the same bytes.
 */
import elkBundled from "elkjs/lib/elk.bundled.js";
import type { ELK, ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api.js";
import type { TopologyGraph } from "./graph-model.js";
import { pictureStyle } from "./theme.js";
import { esc, num, textWidth } from "./xml.js";

const NODE_HEIGHT = 40;
const LABEL_HEIGHT = 14;
const LAYER: Record<string, number> = {
  endpoint: 0,
  mapper: 1,
  container: 2,
  domain: 3,
  window: 3,
  memory: 4,
};

export interface GraphSvgOptions {
  /** Prefix for element ids, so several pictures can live in one HTML page. */
  idPrefix?: string;
}

/** The ELK input: nodes sized to their text, kept in their kind's column; labelled edges. */
function elkGraph(graph: TopologyGraph): ElkNode {
  const nodeIndex = new Map(graph.nodes.map((n, i) => [n.id, i]));
  return {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.layered.spacing.nodeNodeBetweenLayers": "70",
      "elk.spacing.nodeNode": "18",
      "elk.spacing.edgeLabel": "4",
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
      "elk.edgeLabels.inline": "false",
      "elk.layered.layering.strategy": "INTERACTIVE",
      "elk.randomSeed": "1",
    },
    children: graph.nodes.map((n, i) => ({
      id: `n${i}`,
      width: Math.max(textWidth(n.label) + 20, textWidth(n.detail, 10) + 20, 70),
      height: NODE_HEIGHT,
      // The interactive layering keeps each kind in its column: x orders the layers.
      x: (LAYER[n.kind] ?? 0) * 400,
      y: i,
    })),
    edges: graph.edges.map((e) => ({
      id: e.id,
      sources: [`n${nodeIndex.get(e.from)}`],
      targets: [`n${nodeIndex.get(e.to)}`],
      labels: e.label
        ? [
            {
              id: `${e.id}l`,
              text: e.label,
              width: textWidth(e.label, 10) + 6,
              height: LABEL_HEIGHT,
            },
          ]
        : [],
    })),
  };
}

/** Edges, then their labels above every edge, then the nodes above both. */
function drawLaidOut(out: string[], graph: TopologyGraph, laid: ElkNode, prefix: string): void {
  for (const e of (laid.edges ?? []) as ElkExtendedEdge[]) {
    const model = graph.edges[Number(e.id.slice(1))]!;
    const d: string[] = [];
    for (const s of e.sections ?? []) {
      d.push(`M${num(s.startPoint.x)},${num(s.startPoint.y)}`);
      for (const b of s.bendPoints ?? []) d.push(`L${num(b.x)},${num(b.y)}`);
      d.push(`L${num(s.endPoint.x)},${num(s.endPoint.y)}`);
    }
    out.push(
      `<path id="${prefix}-${e.id}" class="edge ${model.kind}" d="${d.join("")}" marker-end="url(#${prefix}-arrow)"><title>${esc(`${model.from} -> ${model.to}${model.label ? `: ${model.label}` : ""}`)}</title></path>`,
    );
  }
  for (const e of (laid.edges ?? []) as ElkExtendedEdge[]) {
    for (const l of e.labels ?? []) {
      const x = l.x ?? 0;
      const y = l.y ?? 0;
      out.push(
        `<rect class="label-bg" x="${num(x)}" y="${num(y)}" width="${num(l.width ?? 0)}" height="${LABEL_HEIGHT}"/>`,
        `<text class="small muted" x="${num(x + 3)}" y="${num(y + 11)}">${esc(l.text ?? "")}</text>`,
      );
    }
  }
  for (const c of laid.children ?? []) {
    const n = graph.nodes[Number(c.id.slice(1))]!;
    const x = c.x ?? 0;
    const y = c.y ?? 0;
    out.push(
      `<g id="${prefix}-${c.id}" class="node-group" data-node="${esc(n.id)}">`,
      `<rect class="node k-${n.kind}${n.blocked ? " k-blocked" : ""}" x="${num(x)}" y="${num(y)}" width="${num(c.width ?? 0)}" height="${NODE_HEIGHT}" rx="${n.kind === "memory" ? 2 : 6}"/>`,
      `<text class="bold" x="${num(x + 10)}" y="${num(y + 17)}">${esc(n.label)}</text>`,
      `<text class="small muted" x="${num(x + 10)}" y="${num(y + 31)}">${esc(n.detail)}</text>`,
      `</g>`,
    );
  }
}

export async function graphSvg(
  graph: TopologyGraph,
  options: GraphSvgOptions = {},
): Promise<string> {
  const prefix = options.idPrefix ?? "g";
  // elkjs is CommonJS: under NodeNext its default import is the constructor itself.
  const Elk = elkBundled as unknown as new () => ELK;
  const elk = new Elk();
  const laid = await elk.layout(elkGraph(graph));
  const width = Math.ceil((laid.width ?? 0) + 40);
  const height = Math.ceil((laid.height ?? 0) + 60);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="vcm-graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${prefix}-title">`,
    `<title id="${prefix}-title">Mapping graph of ${esc(graph.name)}</title>`,
    `<style>${pictureStyle()}</style>`,
    `<defs><marker id="${prefix}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrow" d="M0,0L10,5L0,10z"/></marker></defs>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="var(--bg)"/>`,
    `<text class="title" x="20" y="24">${esc(graph.name)}: mapping graph</text>`,
    `<g transform="translate(20,40)">`,
  ];
  drawLaidOut(out, graph, laid, prefix);
  out.push("</g>", "</svg>");
  return out.join("\n") + "\n";
}
