/**
 * The stage items of a `domain` block (SMMUv3 nesting, as iommufd's nest-parent and nested
 * domains): `stage 2` makes a VM's stage 2 (IPA -> PA) whose contents are its guest memory;
 * `nested PARENT` a stage-1 domain (IOVA -> IPA) translated again by PARENT's stage 2, with
 * `tables POOL` the pool in guest memory its stage-1 tables come from.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { IrDomain } from "../ir/types.js";
import type { DomainDecl, DomainItem } from "../syntax/ast.js";
import { num } from "./constants.js";
import type { ResolveContext } from "./context.js";

type StageItem = Extract<DomainItem, { kind: "stage" | "nested" | "tables" }>;

/** Applies the stage items of `s` to `d`; reports what is wrong with them. */
export function applyStages(ctx: ResolveContext, s: DomainDecl, d: IrDomain): void {
  const items = s.items.filter(
    (i): i is StageItem => i.kind === "stage" || i.kind === "nested" || i.kind === "tables",
  );
  if (items.length === 0) return;
  const stage = items.find((i) => i.kind === "stage");
  const nested = items.find((i) => i.kind === "nested");
  const tables = items.find((i) => i.kind === "tables");
  const name = d.name;
  if (stage && !stageTwo(ctx, d, stage)) return;
  if (stage && nested) {
    ctx.report(
      diagnostic(D.nestedParentNotStage2, nested.span, {
        name,
        parent: nested.parent.name,
        why: "but a stage-2 domain is not nested on anything (its output is host memory)",
      }),
    );
    return;
  }
  if (tables && !nested) {
    ctx.report(
      diagnostic(D.nestedNeedsTables, tables.span, {
        name,
        why: "`tables` names the pool of a nested domain's stage-1 tables; this domain is not nested",
      }),
    );
    return;
  }
  if (!nested) return;
  const parent = ctx.names.bind(nested.parent, ["domain"]);
  if (!parent) return;
  const parentMapper = parent.node.mapper.name;
  const why = !parent.node.items.some((i) => i.kind === "stage")
    ? "which is not a stage-2 domain (write `stage 2` in its block)"
    : parentMapper !== d.mapper
      ? `which is on '${parentMapper}', not on '${d.mapper}' (one SMMU walks both stages)`
      : undefined;
  if (why) {
    ctx.report(
      diagnostic(D.nestedParentNotStage2, nested.parent.span, {
        name,
        parent: nested.parent.name,
        why,
      }),
    );
    return;
  }
  if (!tables) {
    ctx.report(
      diagnostic(
        D.nestedNeedsTables,
        nested.span,
        { name, why: "a nested domain names the pool of its stage-1 tables" },
        { hint: "add `tables POOL`, a pool in the guest memory of " + `'${nested.parent.name}'` },
      ),
    );
    return;
  }
  if (!ctx.names.bind(tables.pool, ["pool"])) return;
  d.nested = { parent: nested.parent.name, pool: tables.pool.name, span: nested.span };
}

/** `stage 2`: true when it is one (or `stage 1`, which changes nothing). */
function stageTwo(
  ctx: ResolveContext,
  d: IrDomain,
  item: Extract<StageItem, { kind: "stage" }>,
): boolean {
  const v = num(ctx, item.stage);
  if (v === undefined) return false;
  if (v !== 1n && v !== 2n) {
    ctx.report(
      diagnostic(D.stageValue, item.stage.span, {
        name: d.name,
        why: `stage ${v} does not exist (1 or 2)`,
      }),
    );
    return false;
  }
  if (v === 1n) return true;
  const info = ctx.symbols.mappers.get(d.mapper);
  if (info && info.ir.role === "iommu" && info.plugin && !("stage" in info.plugin.params)) {
    ctx.report(
      diagnostic(D.stageValue, item.span, {
        name: d.name,
        why: `format '${info.ir.format}' of '${d.mapper}' has no stage 2`,
      }),
    );
    return false;
  }
  if (info && info.ir.role !== "iommu") {
    ctx.report(
      diagnostic(D.stageValue, item.span, {
        name: d.name,
        why: `'${d.mapper}' is a cpu MMU; stage 2 is a domain of an IOMMU`,
      }),
    );
    return false;
  }
  // The stage-2 table is the mapper's parameters at stage 2: the plugin must accept them.
  const problem = info?.plugin?.validate?.({ ...info.ir.params, stage: 2n })[0];
  if (problem) {
    ctx.report(
      diagnostic(D.stageValue, item.span, {
        name: d.name,
        why: `'${d.mapper}' at stage 2: ${problem.message}`,
      }),
    );
    return false;
  }
  d.stage2 = true;
  return true;
}
