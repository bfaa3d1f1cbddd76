/** Builder for `expect` lines (top-level and in scenarios). */
import type { IrExpect } from "../ir/types.js";
import type { ExpectDecl } from "../syntax/ast.js";
import { deviceAddress } from "./constants.js";
import type { ResolveContext } from "./context.js";
import { objectRef } from "./memory-refs.js";

export function buildExpect(ctx: ResolveContext, s: ExpectDecl): IrExpect | undefined {
  const ep = ctx.names.bind(s.endpoint, ["endpoint"]);
  switch (s.expectation) {
    case "access": {
      const object = objectRef(ctx, s.object);
      if (!ep || !object) return undefined;
      return {
        endpoint: s.endpoint.name,
        expectation: { kind: "access", negated: s.negated, verb: s.verb, object },
        span: s.span,
      };
    }
    case "faults": {
      const at = deviceAddress(ctx, s.at, "`faults at`");
      if (!ep || at === undefined) return undefined;
      return { endpoint: s.endpoint.name, expectation: { kind: "faults", at }, span: s.span };
    }
    case "sees": {
      const object = objectRef(ctx, s.object);
      const at = deviceAddress(ctx, s.at, "`sees ... at`");
      if (!ep || !object || at === undefined) return undefined;
      return {
        endpoint: s.endpoint.name,
        expectation: { kind: "sees", object, at },
        span: s.span,
      };
    }
  }
}
