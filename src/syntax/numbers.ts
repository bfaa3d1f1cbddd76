/**
 * Number literals: decimal, `0x` hex, `0b` binary, `_` separators anywhere after the first digit,
 * and an optional binary size suffix K M G T (1K = 1024). Values are unsigned 64-bit.
 */

export const U64_MAX = (1n << 64n) - 1n;

const SUFFIX_SHIFT: Record<string, bigint> = { K: 10n, M: 20n, G: 30n, T: 40n };

export type NumberParse =
  | { ok: true; value: bigint }
  | { ok: false; reason: "malformed"; expected: string }
  | { ok: false; reason: "overflow" };

const DEC = /^[0-9][0-9_]*$/;
const HEX = /^[0-9a-fA-F_]*[0-9a-fA-F][0-9a-fA-F_]*$/;
const BIN = /^[01_]*[01][01_]*$/;

/**
 * Values of literals seen before: big topologies repeat a few (`4K`, `2M`, `0`) thousands of
 * times. Bounded, so a file of distinct numbers cannot grow it without limit.
 */
const seen = new Map<string, NumberParse>();
const SEEN_LIMIT = 4096;

/** Parse a literal as the lexer matched it (`[0-9][0-9A-Za-z_]*`). */
export function parseNumber(text: string): NumberParse {
  let r = seen.get(text);
  if (r === undefined) {
    if (seen.size >= SEEN_LIMIT) seen.clear();
    r = parseUncached(text);
    seen.set(text, r);
  }
  return r;
}

function parseUncached(text: string): NumberParse {
  let body = text;
  let shift = 0n;
  const last = body[body.length - 1]!;
  const suffix = SUFFIX_SHIFT[last];
  if (suffix !== undefined) {
    shift = suffix;
    body = body.slice(0, -1);
  }
  let value: bigint;
  const p = body.length > 1 ? body[1] : "";
  if (body[0] === "0" && (p === "x" || p === "X")) {
    const digits = body.slice(2);
    if (!HEX.test(digits)) return malformed("hexadecimal digits after 0x");
    value = BigInt("0x" + digits.replaceAll("_", ""));
  } else if (body[0] === "0" && (p === "b" || p === "B")) {
    const digits = body.slice(2);
    if (!BIN.test(digits)) return malformed("binary digits after 0b");
    value = BigInt("0b" + digits.replaceAll("_", ""));
  } else {
    if (!DEC.test(body)) return malformed("decimal digits");
    value = BigInt(body.includes("_") ? body.replaceAll("_", "") : body);
  }
  value <<= shift;
  if (value > U64_MAX) {
    return { ok: false, reason: "overflow" };
  }
  return { ok: true, value };
}

/** `expected` says what the literal lacks ("hexadecimal digits after 0x"), for the message. */
function malformed(expected: string): NumberParse {
  return { ok: false, reason: "malformed", expected };
}
