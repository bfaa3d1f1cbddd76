/** `vcm graph --format dot`: the mapping graph as Graphviz source, for people who have `dot`. */
import type { GraphNode, TopologyGraph } from "./graph-model.js";

const SHAPES: Record<GraphNode["kind"], string> = {
  endpoint: "box",
  mapper: "hexagon",
  domain: "box",
  container: "box3d",
  window: "box",
  memory: "cylinder",
};

/** A DOT double-quoted string. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

export function graphDot(graph: TopologyGraph): string {
  const out = [
    `digraph ${quote(graph.name)} {`,
    "  rankdir=LR;",
    '  node [fontname="sans-serif", fontsize=11, style=rounded];',
    '  edge [fontname="sans-serif", fontsize=9];',
  ];
  for (const n of graph.nodes) {
    const style = n.blocked ? ', style="rounded,dashed"' : "";
    out.push(
      `  ${quote(n.id)} [label=${quote(`${n.label}\n${n.detail}`)}, shape=${SHAPES[n.kind]}${style}];`,
    );
  }
  for (const e of graph.edges) {
    const style = e.kind === "attach" ? ", style=dashed" : "";
    out.push(`  ${quote(e.from)} -> ${quote(e.to)} [label=${quote(e.label)}${style}];`);
  }
  out.push("}");
  return out.join("\n") + "\n";
}
