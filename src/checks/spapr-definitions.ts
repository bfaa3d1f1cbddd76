/**
 * The diagnostics of VFIO sPAPR TCE containers, every layer in one file (each array joins its
 * phase's list). Each names the Linux errno it stands for; the sources are in
 * grammar/REFERENCE.md ("sPAPR containers").
 */
import type { CheckDefinition } from "./definition.js";

const NEEDS_PLUGINS = ["unknown-format", "invalid-param", "plugin-param-problem"] as const;

function def(
  phase: CheckDefinition["phase"],
  code: string,
  name: string,
  description: string,
  prerequisites?: readonly string[],
): CheckDefinition {
  return {
    code,
    name,
    phase,
    severity: "error",
    description,
    ...(prerequisites ? { prerequisites } : {}),
  };
}

export const spaprResolveChecks: CheckDefinition[] = [
  def(
    "resolve",
    "VCM0125",
    "unknown-container-model",
    "A container names a model other than spapr-v1 or spapr-v2.",
  ),
  def(
    "resolve",
    "VCM0126",
    "remove-unknown-window",
    "`remove` names a window the platform does not create (only default32), or one also declared (-EINVAL).",
  ),
  def(
    "resolve",
    "VCM0127",
    "tce-device-without-container",
    "A device behind a TCE IOMMU is in no container and attached to no domain.",
  ),
];

export const spaprNamedChecks: CheckDefinition[] = [
  def(
    "check",
    "VCM0250",
    "window-base-alignment",
    "A DMA window's base is not aligned to its page size (-EINVAL).",
  ),
  def(
    "check",
    "VCM0251",
    "too-many-windows",
    "A container has more than two DMA windows, the default one included (IOMMU_TABLE_GROUP_MAX_TABLES; -ENOSPC).",
  ),
  def(
    "check",
    "VCM0252",
    "container-not-tce",
    "A container is on an IOMMU whose format has no DMA windows, i.e. not a TCE IOMMU (-ENODEV).",
    NEEDS_PLUGINS,
  ),
  def(
    "check",
    "VCM0253",
    "spapr-v1-rules",
    "An spapr-v1 container registers memory or creates/removes windows (-ENOTTY), or holds more than one group (-EBUSY).",
  ),
  def(
    "check",
    "VCM0254",
    "register-unaligned",
    "A `register` range is not aligned to the host page (-EINVAL); it is not rounded.",
  ),
  def(
    "check",
    "VCM0255",
    "register-conflict",
    "A `register` overlaps a different registration of the same owner (-EINVAL), or repeats one in the same container (-EBUSY).",
  ),
  def(
    "check",
    "VCM0256",
    "tce-not-in-one-region",
    "A TCE of a window mapping is not inside one registered region whose pages can back the IOMMU page size (-EINVAL).",
  ),
  def(
    "check",
    "VCM0257",
    "owner-limit-conflict",
    "Containers of one owner declare different locked-limits (RLIMIT_MEMLOCK belongs to the process).",
  ),
];

export const spaprLoweringChecks: CheckDefinition[] = [
  def(
    "lower",
    "VCM0317",
    "window-rejected",
    "The format refuses a DMA window's geometry (base, size, page size or levels).",
  ),
  def(
    "lower",
    "VCM0318",
    "window-not-built",
    "A container's window is not built: no free table slot (-ENOSPC) or an IOMMU without windows (-ENODEV).",
  ),
];

export const spaprRunChecks: CheckDefinition[] = [
  def(
    "run",
    "VCM0437",
    "register-unaligned-at-run",
    "A scenario `register` or `unregister` range is not aligned to the host page (-EINVAL).",
  ),
  def(
    "run",
    "VCM0438",
    "register-busy",
    "A scenario `register` repeats a registration this container already holds (-EBUSY).",
  ),
  def(
    "run",
    "VCM0439",
    "tce-not-in-one-region-at-run",
    "A scenario map puts a TCE over memory not inside one registered region able to back its page size (-EINVAL).",
  ),
  def(
    "run",
    "VCM0440",
    "detach-last-group-mapped",
    "A scenario `detach` takes the last group out of a container whose windows still map memory (-EBUSY).",
  ),
  def(
    "run",
    "VCM0441",
    "spapr-v1-register-at-run",
    "A scenario `register` or `unregister` on an spapr-v1 container, which has no pre-registration (-ENOTTY).",
  ),
];
