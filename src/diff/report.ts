/** Printing a reachability diff: text for people, JSON (stable field names) for CI. */
import { D, text, type CatalogueEntry } from "../diagnostics/catalogue.js";
import type { RangeChange, ReachDiff } from "./reach-diff.js";

const hex = (v: bigint) => "0x" + v.toString(16);

function sizeText(v: bigint): string {
  const units: [bigint, string][] = [
    [1n << 40n, "T"],
    [1n << 30n, "G"],
    [1n << 20n, "M"],
    [1n << 10n, "K"],
  ];
  for (const [u, s] of units) if (v >= u && v % u === 0n) return `${v / u}${s}`;
  return hex(v);
}

const sizes = (s: Record<string, number>) =>
  Object.entries(s)
    .map(([k, n]) => `${k} x ${n}`)
    .join(", ") || "none";

/** A range of a report line: rights padded to a column, base and size as VCM writes them. */
const rangeArgs = (r: RangeChange) => ({
  rights: r.rights.padEnd(3),
  base: hex(r.base),
  size: sizeText(r.size),
  memory: r.memory,
});

/** `[VCM0464 reach-gained]`: which entry a report line is. */
const tag = (entry: CatalogueEntry) => `[${entry.code} ${entry.name}]`;

export function diffText(diff: ReachDiff, oldFile: string, newFile: string): string {
  const lines: string[] = [];
  if (diff.endpoints.length === 0 && diff.pageSizes.length === 0) {
    return `no change in reach: every endpoint reaches the same memory with the same rights and page sizes (${oldFile} -> ${newFile})\n`;
  }
  for (const e of diff.endpoints) {
    const { endpoint } = e;
    const code = D.endpointAddedOrRemoved.code;
    lines.push(
      e.status === "added"
        ? text(D.endpointAddedOrRemoved, { endpoint, code })
        : e.status === "removed"
          ? text(D.endpointAddedOrRemoved.messages.removed, { endpoint, code })
          : endpoint,
    );
    for (const g of e.gained)
      lines.push(`  ${text(D.reachGained, rangeArgs(g))}  ${tag(D.reachGained)}`);
    for (const l of e.lost) lines.push(`  ${text(D.reachLost, rangeArgs(l))}  ${tag(D.reachLost)}`);
  }
  for (const p of diff.pageSizes) {
    const args = { mapping: p.mapping, old: sizes(p.old), new: sizes(p.new) };
    lines.push(`${text(D.pageSizeChanged, args)}  ${tag(D.pageSizeChanged)}`);
  }
  const gained = diff.endpoints.filter((e) => e.gained.length > 0).length;
  const lost = diff.endpoints.filter((e) => e.lost.length > 0).length;
  lines.push(
    `${gained} endpoint(s) gained, ${lost} lost, ${diff.pageSizes.length} mapping(s) changed page sizes (${oldFile} -> ${newFile}; from the table bytes)`,
  );
  return lines.join("\n") + "\n";
}

/** JSON: addresses and sizes as hex strings (64-bit safe). */
export function diffJson(diff: ReachDiff, oldFile: string, newFile: string): string {
  const range = (r: { base: bigint; size: bigint; rights: string; memory: string }) => ({
    base: hex(r.base),
    size: hex(r.size),
    rights: r.rights,
    memory: r.memory,
  });
  return (
    JSON.stringify(
      {
        old: oldFile,
        new: newFile,
        gained: diff.gained,
        endpoints: diff.endpoints.map((e) => ({
          endpoint: e.endpoint,
          status: e.status,
          gained: e.gained.map(range),
          lost: e.lost.map(range),
        })),
        pageSizes: diff.pageSizes,
      },
      null,
      2,
    ) + "\n"
  );
}
