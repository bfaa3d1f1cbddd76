/** Prerequisites shared by several checks. */
import { D } from "../../diagnostics/catalogue.js";

/**
 * Checks that read plugin capabilities run only when every mapper's format and parameters are
 * good and every plugin a `use` line names was loaded.
 */
export const PLUGINS_USABLE = [
  D.pluginNotAllowed,
  D.unknownFormat,
  D.invalidParam,
  D.pluginParamProblem,
] as const;

/** The same without the `use` refusal (the sPAPR container checks have always run without it). */
export const FORMATS_USABLE = [D.unknownFormat, D.invalidParam, D.pluginParamProblem] as const;
