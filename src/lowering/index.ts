/** The lowering: IR to real page tables through the plugins. */
export { lower, type LowerResult } from "./lower.js";
export { LiveTables } from "./live-tables.js";
export { mapMapping, unmapMapping } from "./map-mapping.js";
export { loweringChecks } from "./checks.js";
export { planPages, leafCountsOf, type PageRun } from "./page-plan.js";
export { IovaAllocator, ADDRESS_LIMIT } from "./iova-allocator.js";
export * from "./compiled.js";
