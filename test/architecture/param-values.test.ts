/**
 * The IR's `IrParamValue` and the plugin API's `PluginParamValue` are declared apart (the plugin
 * API must not import the IR) and must stay the same type: the semantics hand IR parameter values
 * to plugins as they are. The check is at the type level; `tsc -p tsconfig.test.json` (part of
 * `npm test`) fails here when one changes without the other.
 */
import { expect, test } from "vitest";
import type { IrParamValue, IrRange } from "../../src/ir/types.js";
import type { PluginParamRange, PluginParamValue } from "../../src/plugin-api/types.js";

/** `true` exactly when A and B are the same type (not merely assignable one way). */
type Same<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

test("a parameter value is the same type in the IR and in the plugin API", () => {
  const values: Same<IrParamValue, PluginParamValue> = true;
  const ranges: Same<IrRange, PluginParamRange> = true;
  expect([values, ranges]).toEqual([true, true]);
});

test("the comparison tells different types apart", () => {
  const widened: Same<PluginParamValue, PluginParamValue | number> = false;
  const optional: Same<PluginParamRange, Omit<PluginParamRange, "space">> = false;
  expect([widened, optional]).toEqual([false, false]);
});
