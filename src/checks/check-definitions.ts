/** The named checks that run on the resolved IR, codes VCM0200-0299. */
import type { CheckDefinition } from "./definition.js";
import { spaprNamedChecks } from "./spapr-definitions.js";

/**
 * Checks that read plugin capabilities run only when every mapper's format and params are good,
 * and every plugin a `use` line names was loaded.
 */
const NEEDS_PLUGINS = [
  "plugin-not-allowed",
  "unknown-format",
  "invalid-param",
  "plugin-param-problem",
] as const;

const check = (
  code: string,
  name: string,
  description: string,
  severity: CheckDefinition["severity"] = "error",
  prerequisites?: readonly string[],
): CheckDefinition => ({
  code,
  name,
  phase: "check",
  severity,
  description,
  ...(prerequisites ? { prerequisites } : {}),
});

export const namedChecks: CheckDefinition[] = [
  check("VCM0200", "region-overlap", "Two physical memory regions overlap."),
  check("VCM0201", "outside-region", "A buffer, slice or chunk lies outside its memory region."),
  check("VCM0202", "pool-outside-ram", "A page-table pool is not inside a RAM region."),
  check(
    "VCM0203",
    "pool-too-small",
    "A pool is smaller than the estimated page tables of the mappers using it.",
    "warning",
    NEEDS_PLUGINS,
  ),
  check("VCM0204", "iova-overlap", "Two fixed-address mappings overlap in one address space."),
  check(
    "VCM0205",
    "outside-aperture",
    "A fixed-address mapping lies outside its domain aperture or window.",
  ),
  check(
    "VCM0206",
    "reserved-overlap",
    "A fixed-address mapping covers a reserved, MSI or unity range.",
  ),
  check(
    "VCM0207",
    "misaligned-address",
    "A fixed IOVA or a mapped PA is not aligned to the mapper's smallest page.",
    "error",
    NEEDS_PLUGINS,
  ),
  check(
    "VCM0208",
    "unsupported-page-size",
    "`pages` names a page size the mapper does not support.",
    "error",
    NEEDS_PLUGINS,
  ),
  check("VCM0209", "dma-mask-too-small", "An endpoint cannot drive the addresses it must use."),
  check("VCM0210", "multiple-domains", "A device is attached to more than one domain."),
  check("VCM0211", "group-split", "Devices of one IOMMU group are attached to different domains."),
  check("VCM0212", "mmio-cacheable", "MMIO memory is mapped cacheable.", "warning"),
  check("VCM0213", "p2p-ram", "A `p2p` mapping maps RAM, not a device's MMIO."),
  check(
    "VCM0214",
    "p2p-missing",
    "A device's MMIO is mapped into another device's domain, or to a no-MMU engine, without `p2p`.",
  ),
  check(
    "VCM0215",
    "unregistered-memory",
    "Memory mapped through an spapr-v2 container is not registered by its owner (-EINVAL).",
  ),
  check(
    "VCM0216",
    "locked-limit-exceeded",
    "An owner's locked memory (registrations in host pages plus its windows' TCE tables) exceeds its locked-limit (-ENOMEM).",
  ),
  check("VCM0217", "window-overlap", "Two DMA windows of a container overlap."),
  check("VCM0218", "window-size", "A DMA window's size is not a power of two."),
  check("VCM0219", "window-levels", "A DMA window has more than 5 table levels."),
  check(
    "VCM0220",
    "window-page-size",
    "A DMA window's page size is not supported by the container's mapper.",
    "error",
    NEEDS_PLUGINS,
  ),
  check(
    "VCM0221",
    "expect-contradiction",
    "An `expect` contradicts the declared mappings.",
    "error",
    NEEDS_PLUGINS,
  ),
  check(
    "VCM0222",
    "unused-declaration",
    "A const, buffer, pool, domain or mapper is never used.",
    "warning",
  ),
  check(
    "VCM0223",
    "write-implies-read",
    "A write-only mapping on a mapper whose writes imply reads is widened to read-write.",
    "note",
    NEEDS_PLUGINS,
  ),
  check("VCM0224", "unknown-check", "A `// vcm:` directive names no known check.", "warning"),
  check(
    "VCM0240",
    "read-implies-write",
    "A read-only mapping on a format that cannot express read-only (GART) will also be writable.",
    "warning",
    NEEDS_PLUGINS,
  ),
  check(
    "VCM0241",
    "exec-implies-read",
    "An execute-only mapping on a format whose entries always grant read is widened to read+execute.",
    "note",
    NEEDS_PLUGINS,
  ),
  check(
    "VCM0242",
    "map-into-identity-or-blocked",
    "A `map` (top level or scenario step) targets an identity or blocked domain, which has no table (EINVAL).",
  ),
  check(
    "VCM0243",
    "aperture-beyond-input",
    "A domain's aperture reaches past the IOMMU's input address size (ERANGE).",
    "error",
    NEEDS_PLUGINS,
  ),
  check(
    "VCM0244",
    "pa-beyond-output",
    "A mapping's memory lies past the output address size of the mapper translating it (ERANGE).",
    "error",
    NEEDS_PLUGINS,
  ),
  check(
    "VCM0245",
    "scenario-attach-busy",
    "A scenario `attach` moves a group already in a domain other than its default (EBUSY): `detach` it first.",
  ),
  check(
    "VCM0235",
    "non-canonical-address",
    "A cpu mapping or `expect ... sees` address lies in neither half of the cpu's address space (x86-64: not canonical; AArch64: between the TTBR0 and TTBR1 ranges).",
  ),
  check(
    "VCM0260",
    "pin-refused",
    "A `pin` mapping of mmio whose exporter does not accept pins (no `pinnable`): EOPNOTSUPP.",
  ),
  check(
    "VCM0261",
    "map-after-revoke",
    "A scenario maps a region it revoked, before `restore` (the exporter refuses: ENODEV).",
  ),
  check(
    "VCM0262",
    "revoke-while-pinned",
    "A scenario revokes a region a pinned mapping still holds (EBUSY).",
  ),
  check(
    "VCM0263",
    "revoke-no-mmu",
    "A scenario revokes a region a no-MMU engine still maps: nothing can make it fault.",
  ),
  {
    code: "VCM0270",
    name: "plugin-failed",
    phase: "check",
    severity: "error",
    description:
      "A plugin threw, or returned a value the plugin API does not allow, while the topology was checked (`validate`, `capabilities`).",
    fixed: true,
  },
  {
    code: "VCM0299",
    name: "internal-error",
    phase: "check",
    severity: "error",
    description: "A check or plugin failed unexpectedly; please report it.",
    fixed: true,
  },
  ...spaprNamedChecks,
];
