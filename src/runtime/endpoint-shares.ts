/**
 * Split the endpoints to prove into worker shares of about equal work. A proof's cost is reading
 * its tables (every leaf descriptor once), so the weight of an endpoint is the size of its
 * tables as declared, not 1. Endpoints that walk the same table go to the same share: that table is then
 * read once, as in a single-thread run.
 */
import type { EndpointPath, TablePath } from "./endpoint-paths.js";

/** Work of reading one table: `pages` (its size), plus a little for the walk down to them. */
function tableWeight(path: EndpointPath, i: number, pages: (tp: TablePath) => number): number {
  const tp = path.tables[i]!;
  return tp.reachable ? 1 + pages(tp) : 1;
}

const tableKey = (path: EndpointPath, i: number): string =>
  `${path.tables[i]!.table.name}@${path.tables[i]!.context.root}`;

export interface Shares {
  /** Endpoint names per share, each in the order given; no share is empty. */
  shares: string[][];
  /** Work of each share, in the units of `totalWork`. */
  work: number[];
  totalWork: number;
}

/**
 * `pages(tp)` weighs a table: its intended 4K pages (a table of large pages reads faster than
 * weighed, which errs towards more threads, never fewer).
 */
export function shareEndpoints(
  paths: readonly EndpointPath[],
  jobs: number,
  pages: (tp: TablePath) => number,
): Shares {
  // Group endpoints that share a table (union-find over table keys).
  const parent = paths.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const firstUser = new Map<string, number>();
  const weights = new Map<string, number>();
  paths.forEach((p, i) =>
    p.tables.forEach((_, t) => {
      const key = tableKey(p, t);
      const first = firstUser.get(key);
      if (first === undefined) {
        firstUser.set(key, i);
        weights.set(key, tableWeight(p, t, pages));
      } else parent[find(i)] = find(first);
    }),
  );
  const groups = new Map<number, { members: number[]; work: number }>();
  paths.forEach((p, i) => {
    const root = find(i);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = { members: [], work: 0 }));
    g.members.push(i);
    g.work += 1; // the endpoint's own checks
  });
  for (const [key, first] of firstUser) groups.get(find(first))!.work += weights.get(key)!;
  // Largest group first onto the least loaded share (LPT: within 4/3 of the best split).
  const ordered = [...groups.values()].sort((a, b) => b.work - a.work);
  const count = Math.max(1, Math.min(jobs, ordered.length));
  const members: number[][] = Array.from({ length: count }, () => []);
  const work = new Array<number>(count).fill(0);
  for (const g of ordered) {
    let least = 0;
    for (let s = 1; s < count; s++) if (work[s]! < work[least]!) least = s;
    for (const m of g.members) members[least]!.push(m);
    work[least]! += g.work;
  }
  const shares = members.map((m) => m.sort((a, b) => a - b).map((i) => paths[i]!.endpoint));
  return { shares, work, totalWork: work.reduce((a, b) => a + b, 0) };
}
