/**
 * The VCM parser: the rule families of `parser-base.ts` and the files after it, analysed once.
 * One instance is reused; `parse.ts` feeds it one statement at a time.
 */
import { ExpressionRules } from "./expression-rules.js";

export class VcmParser extends ExpressionRules {
  /** `validate`: see `ParserBase`; tests pass true. */
  constructor(validate = false) {
    super(validate);
    this.performSelfAnalysis();
  }
}

/** The shared parser instance (building one runs Chevrotain's grammar analysis). */
export const parser = new VcmParser();
