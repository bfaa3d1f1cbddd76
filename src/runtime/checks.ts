/** Failures of `vcm run` (VCM0400-0499): what the runtime proves from the emitted bytes. */
import type { CheckDefinition } from "../checks/definition.js";
import { spaprRunChecks } from "../checks/spapr-definitions.js";

function run(code: number, name: string, description: string): CheckDefinition {
  return { code: `VCM0${code}`, name, phase: "run", severity: "error", description };
}

export const runChecks: CheckDefinition[] = [
  run(400, "translation-missing", "A page of a declared mapping does not translate (it faults)."),
  run(
    401,
    "translation-wrong-frame",
    "A page of a mapping translates to a frame other than the one intended.",
  ),
  run(
    402,
    "permission-mismatch",
    "A mapped page grants other permissions than declared (wider or narrower).",
  ),
  run(
    403,
    "undeclared-reach",
    "An endpoint reaches memory no mapping or unity range declares (isolation).",
  ),
  run(
    404,
    "device-binding-wrong",
    "A device's stream id resolves, from the IOMMU's own structures, to no table or to another domain's table.",
  ),
  run(
    405,
    "beyond-dma-mask",
    "A mapping lies above the addresses the endpoint can drive (its DMA mask).",
  ),
  run(406, "expect-failed", "An `expect` line does not hold on the compiled tables."),
  run(
    407,
    "stale-after-migrate",
    "After `migrate`, an endpoint still reaches the buffer's old frames.",
  ),
  run(408, "stale-after-revoke", "After `revoke`, an importer still reaches the revoked BAR."),
  run(
    409,
    "unregister-not-found",
    "`unregister` names a range that was not registered exactly (ENOENT).",
  ),
  run(
    410,
    "register-overlap",
    "`register` overlaps a range its owner registered without being identical to it (-EINVAL).",
  ),
  run(
    411,
    "unregister-busy",
    "`unregister` of memory that is still mapped through a window (EBUSY).",
  ),
  run(
    412,
    "locked-limit-exceeded-at-run",
    "A `register` would take the owner's locked memory over its limit; it is refused and nothing is locked (-ENOMEM).",
  ),
  run(
    413,
    "locked-accounting-leak",
    "Locked memory does not return to its starting value once everything is unregistered.",
  ),
  run(414, "power-off-still-mapped", "`power-off` of a region some mapper still maps."),
  run(
    415,
    "scenario-step-failed",
    "A scenario step could not be carried out (the format refused it, or no room to migrate).",
  ),
  run(
    416,
    "map-unregistered",
    "A sPAPR v2 window mapping covers memory not registered with its container.",
  ),
  run(
    417,
    "table-outside-pool",
    "A table page reachable from a root lies outside its mapper's pool, or is shared by two tables.",
  ),
  run(
    418,
    "run-internal-error",
    "A plugin threw while its tables were read; the proof could not be completed.",
  ),
  run(
    430,
    "cpu-registers-wrong",
    "A cpu's registers (TTBR0/TTBR1/TCR, CR3/CR4) do not walk its tables: another root, a disabled or undeclared half, another size or granule.",
  ),
  ...spaprRunChecks,
  run(
    420,
    "table-rights-narrowed",
    "A table (non-leaf) entry removes a right a declared mapping below it grants (read, write, exec or user access).",
  ),
  run(
    421,
    "table-loop",
    "A table entry points to a table page already read in the same walk (a loop, or two entries sharing one table): the range it covers is not proved.",
  ),
  run(
    425,
    "attribute-mismatch",
    "A mapped page's memory attributes (memory type, shareability, snoop/coherence) differ from those declared, or from its region type's default (ram: cacheable, mmio: device).",
  ),
  run(
    426,
    "mmio-mapped-cacheable",
    "The bytes map an MMIO region as cacheable memory (the rule `vcm check` applies to `map` lines).",
  ),
  run(
    433,
    "attach-busy",
    "A scenario `attach` moves a group that is already in a domain other than its default (EBUSY): `detach` it first.",
  ),
  run(
    445,
    "revoke-pinned",
    "`revoke` of a region a pinned importer still maps: a pinned dma-buf attachment gets no move_notify (EBUSY).",
  ),
  run(
    446,
    "map-revoked",
    "`map` of a revoked region before `restore`: the exporter refuses to attach or map (ENODEV).",
  ),
  run(
    447,
    "revoke-no-mmu-importer",
    "`revoke` while a no-MMU engine maps the region: nothing can make its accesses fault.",
  ),
];

export function runCheck(name: string): CheckDefinition {
  const def = runChecks.find((c) => c.name === name);
  if (!def) throw new Error(`unknown run check '${name}'`);
  return def;
}
