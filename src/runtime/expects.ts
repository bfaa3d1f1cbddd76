/**
 * `expect` lines, evaluated on what the endpoint reaches from bytes: `reads/writes/executes X`
 * (every page of X reachable with that right), `cannot ...` (no page of X), `faults at A`
 * (nothing at A), `sees X at A` (reading from A onwards lands on X's frames, in order).
 */
import { D } from "../diagnostics/catalogue.js";
import type { IrChunk, IrExpect } from "../ir/types.js";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../plugin-api/types.js";
import { compareRuns } from "./compare-runs.js";
import type { FailureSink } from "./failure-sink.js";
import { tokenText } from "./frame-token.js";
import { chunksOf, objectText } from "../model/object-ref.js";
import { hexOf, type Prover } from "./prover.js";
import type { ExpectReport } from "./report.js";
import { RunList } from "./run-list.js";
import { GrantedRanges } from "./granted-ranges.js";

const RIGHT = { reads: PROT_READ, writes: PROT_WRITE, executes: PROT_EXEC } as const;
const VERB = { reads: "read", writes: "write", executes: "execute" } as const;

export function expectText(e: IrExpect): string {
  const x = e.expectation;
  switch (x.kind) {
    case "access":
      return `${e.endpoint} ${x.negated ? `cannot ${VERB[x.verb]}` : x.verb} ${objectText(x.object)}`;
    case "faults":
      return `${e.endpoint} faults at ${hexOf(x.at)}`;
    case "sees":
      return `${e.endpoint} sees ${objectText(x.object)} at ${hexOf(x.at)}`;
  }
}

export function evaluateExpect(
  prover: Prover,
  e: IrExpect,
  sink: FailureSink,
  bufferChunks?: ReadonlyMap<string, readonly IrChunk[]>,
): ExpectReport {
  const text = expectText(e);
  const before = sink.count;
  const fail = (address: bigint | undefined, expected: string, found: string, detail: string) =>
    sink.report(
      D.expectFailed,
      { expect: text, detail },
      {
        endpoint: e.endpoint,
        ...(address !== undefined ? { address } : {}),
        expected,
        found,
        span: e.span,
      },
    );
  const path = prover.path(e.endpoint);
  if (!path) {
    fail(
      undefined,
      `endpoint ${e.endpoint}`,
      "no such endpoint in the compiled topology",
      "unknown endpoint",
    );
    return { endpoint: e.endpoint, text, ok: false, span: e.span };
  }
  const reach = prover.reachOf(path);
  const x = e.expectation;
  if (x.kind === "faults") {
    const i = reach.find(Number(x.at >> 12n));
    if (i >= 0) {
      const pfn = reach.pa[i]! + (Number(x.at >> 12n) - reach.iova[i]!);
      const pa = (BigInt(pfn) << 12n) | (x.at & 0xfffn);
      fail(
        x.at,
        "a fault",
        `pa ${hexOf(pa)} (${prover.names.nameOf(pfn)}, ${tokenText(pfn)})`,
        `${hexOf(x.at)} translates to ${hexOf(pa)}`,
      );
    }
  } else if (x.kind === "sees") {
    const intent = new RunList();
    let at = Number(x.at >> 12n);
    for (const c of chunksOf(x.object, bufferChunks)) {
      const n = Number((c.size + 4095n) >> 12n);
      intent.push(at, Number(c.pa >> 12n), n, PROT_READ);
      at += n;
    }
    const result = compareRuns(intent, reach, {
      undeclared: false,
      protOk: (_want, found) => (found & PROT_READ) !== 0,
      limit: 1,
    });
    const m = result.mismatches[0];
    if (m) {
      const address = BigInt(m.iovaPfn) << 12n;
      const expected = `pa ${hexOf(BigInt(m.expectedPa!) << 12n)} (${tokenText(m.expectedPa!)})`;
      const found =
        m.foundPa === undefined
          ? "a fault"
          : m.kind === "wrong-prot"
            ? "a mapping without read permission"
            : `pa ${hexOf(BigInt(m.foundPa) << 12n)} (${prover.names.nameOf(m.foundPa)}, ${tokenText(m.foundPa)})`;
      fail(
        address,
        expected,
        found,
        `at ${hexOf(address)} it reads ${found}, expected ${expected}`,
      );
    }
  } else {
    accessExpect(prover, reach, x.negated, RIGHT[x.verb], chunksOf(x.object, bufferChunks), fail);
  }
  const ok = sink.count === before;
  return { endpoint: e.endpoint, text, ok, span: e.span };
}

/**
 * Positive: every page of the chunks is reachable with `right`; negated: none is. The first
 * failing chunk is reported, the rest are not looked at.
 */
function accessExpect(
  prover: Prover,
  reach: RunList,
  negated: boolean,
  right: number,
  chunks: readonly IrChunk[],
  fail: (address: bigint | undefined, expected: string, found: string, detail: string) => void,
): void {
  const granted = new GrantedRanges(reach, right);
  for (const c of chunks) {
    const first = Number(c.pa >> 12n);
    const end = Number((c.pa + c.size + 4095n) >> 12n);
    if (negated) {
      const g = granted.firstOverlap(first, end);
      if (g === undefined) continue;
      const pfn = Math.max(first, g.pa);
      const iova = BigInt(g.iova + (pfn - g.pa)) << 12n;
      fail(
        iova,
        "no access",
        `pa ${hexOf(BigInt(pfn) << 12n)} reachable at ${hexOf(iova)}`,
        `it can, through ${hexOf(iova)} (pa ${hexOf(BigInt(pfn) << 12n)}, ${prover.names.nameOf(pfn)})`,
      );
      return;
    }
    const covered = granted.coveredFrom(first);
    if (covered < end) {
      const pa = BigInt(covered) << 12n;
      fail(
        undefined,
        `pa ${hexOf(pa)} reachable`,
        "no address reaches it with that right",
        `pa ${hexOf(pa)} (${prover.names.nameOf(covered)}) is not reachable with that right`,
      );
      return;
    }
  }
}
