/** Pictures and reports: the mapping graph, the address-space layout and the HTML run report. */
export { buildTopologyGraph, type TopologyGraph } from "./graph-model.js";
export { graphDot } from "./graph-dot.js";
export { graphSvg } from "./graph-svg.js";
export { layoutSvg } from "./layout-svg.js";
export { runReportHtml } from "./html-report.js";
export { reachRows, type ReachRow } from "./reach.js";
