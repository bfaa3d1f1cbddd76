/** The VCM formatter (docs/FORMAT.md): `formatVcm`, used by `vcm fmt`, `vcm/prettier` and the LSP. */
export { formatVcm, VcmFormatError, type FormatOptions } from "./format.js";
