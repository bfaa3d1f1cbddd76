/**
 * Token types of the VCM language. Keywords are not lexed by their own patterns: a word is one
 * `Identifier` token that then takes its keyword type (the scanner, `scanner.ts`, does so while
 * reading the word; `retypeKeyword` does it for the Chevrotain lexer built from these patterns,
 * the scanner's reference). That keeps the lexer to a handful of patterns and makes every
 * keyword also a `Name`, so keywords are not reserved: a buffer may be called `window` or `size`.
 * The patterns below are the definition of the tokens: the scanner must match them exactly.
 */
import { createToken, Lexer, type IToken, type TokenType } from "chevrotain";

/** Anything usable as a name: identifiers and every keyword (keywords are not reserved). */
export const Name = createToken({ name: "Name", pattern: Lexer.NA, label: "name" });
/** Newline or `;`. */
export const Terminator = createToken({
  name: "Terminator",
  pattern: Lexer.NA,
  label: "end of statement (newline or ';')",
});

export const Whitespace = createToken({
  name: "Whitespace",
  pattern: /[ \t\f\v\uFEFF]+/,
  group: Lexer.SKIPPED,
});
/** One or more line breaks (with blank lines between) form one token: fewer tokens to parse. */
export const Newline = createToken({
  name: "Newline",
  pattern: /(?:\r\n?|\n)(?:[ \t]*(?:\r\n?|\n))*/,
  line_breaks: true,
  categories: [Terminator],
  label: "end of line",
});
export const Semicolon = createToken({
  name: "Semicolon",
  pattern: ";",
  categories: [Terminator],
  label: "';'",
});
/** `// vcm: disable NAME`: collected into SourceFile.directives, never seen by the parser. */
export const DirectiveComment = createToken({
  name: "DirectiveComment",
  pattern: /\/\/[ \t]*vcm:[^\r\n]*/,
  group: "directives",
});
export const LineComment = createToken({
  name: "LineComment",
  pattern: /\/\/[^\r\n]*/,
  group: Lexer.SKIPPED,
});
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[^]*?\*\//,
  line_breaks: true,
  group: Lexer.SKIPPED,
});
/** A `/*` with no `*\/`: reported (VCM0008) instead of swallowing the file silently. */
export const UnterminatedComment = createToken({
  name: "UnterminatedComment",
  pattern: /\/\*[^]*/,
  line_breaks: true,
  group: "unterminated",
});
export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\\r\n]|\\.)*"/,
  label: "string",
});
/** A `"` with no closing quote on the same line: reported (VCM0007) and read as a string. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\r\n]|\\.)*/,
  categories: [StringLiteral],
  label: "string",
});
/** Any word starting with a digit; `numbers.ts` validates prefix, digits and suffix. */
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /[0-9][0-9A-Za-z_]*/,
  label: "number",
});
/** Inner hyphens are part of a name (`arm-lpae`, `va-bits`), so `a-b` is one name, not `a - b`. */
export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*/,
  categories: [Name],
  label: "name",
});

/** `a OP b` operators; the parser folds them by precedence in one loop (no rule per level). */
export const BinaryOp = createToken({
  name: "BinaryOp",
  pattern: Lexer.NA,
  label: "binary operator",
});
export const UnaryOp = createToken({ name: "UnaryOp", pattern: Lexer.NA, label: "'-' or '~'" });

function punct(
  name: string,
  pattern: string,
  categories: TokenType[] = [],
  label = `'${pattern}'`,
): TokenType {
  return createToken({ name, pattern, label, categories });
}

export const Arrow = punct("Arrow", "->");
export const DotDot = punct("DotDot", "..");
export const Dot = punct("Dot", ".");
export const ShiftLeft = punct("ShiftLeft", "<<", [BinaryOp]);
export const ShiftRight = punct("ShiftRight", ">>", [BinaryOp]);
export const LParen = punct("LParen", "(");
export const RParen = punct("RParen", ")");
export const LBracket = punct("LBracket", "[");
export const RBracket = punct("RBracket", "]");
export const LCurly = punct("LCurly", "{");
export const RCurly = punct("RCurly", "}");
export const Colon = punct("Colon", ":");
export const Comma = punct("Comma", ",");
export const Equals = punct("Equals", "=");
export const Plus = punct("Plus", "+", [BinaryOp]);
export const Minus = punct("Minus", "-", [BinaryOp, UnaryOp]);
export const Star = punct("Star", "*", [BinaryOp]);
export const Slash = punct("Slash", "/", [BinaryOp]);
export const Percent = punct("Percent", "%", [BinaryOp]);
export const Amp = punct("Amp", "&", [BinaryOp]);
export const Pipe = punct("Pipe", "|", [BinaryOp]);
export const Tilde = punct("Tilde", "~", [UnaryOp]);

/** Keyword token types by spelling. */
export const keywordTypes = new Map<string, TokenType>();

function kw(word: string): TokenType {
  const name =
    "Kw_" +
    word
      .split("-")
      .map((p) => p[0]!.toUpperCase() + p.slice(1))
      .join("");
  const t = createToken({ name, pattern: Lexer.NA, categories: [Name], label: `'${word}'` });
  keywordTypes.set(word, t);
  return t;
}

// Statement keywords.
export const Topology = kw("topology");
export const Import = kw("import");
export const Use = kw("use");
export const Const = kw("const");
export const Memory = kw("memory");
export const Pool = kw("pool");
export const Mmu = kw("mmu");
export const Iommu = kw("iommu");
export const Cpu = kw("cpu");
export const Device = kw("device");
export const Dma = kw("dma");
export const Domain = kw("domain");
export const BufferKw = kw("buffer");
export const MapKw = kw("map");
export const Container = kw("container");
export const Expect = kw("expect");
export const Scenario = kw("scenario");
export const Reservation = kw("reservation");
// Clause and item keywords.
export const Ram = kw("ram");
export const Mmio = kw("mmio");
export const Reserved = kw("reserved");
export const Owner = kw("owner");
export const In = kw("in");
export const Via = kw("via");
export const Behind = kw("behind");
export const Stream = kw("stream");
export const Group = kw("group");
export const DmaMask = kw("dma-mask");
export const Offset = kw("offset");
export const On = kw("on");
export const Type = kw("type");
export const Aperture = kw("aperture");
export const Reserve = kw("reserve");
export const Msi = kw("msi");
export const Unity = kw("unity");
export const Attach = kw("attach");
export const Size = kw("size");
export const Align = kw("align");
export const At = kw("at");
export const Chunks = kw("chunks");
export const Auto = kw("auto");
export const Priv = kw("priv");
export const Cacheable = kw("cacheable");
export const Noncacheable = kw("noncacheable");
export const Shareable = kw("shareable");
export const OuterShareable = kw("outer-shareable");
export const Nonshareable = kw("nonshareable");
export const P2p = kw("p2p");
export const Pin = kw("pin");
export const Pages = kw("pages");
export const Groups = kw("groups");
export const LockedLimit = kw("locked-limit");
export const HostPage = kw("host-page");
export const BackingPage = kw("backing-page");
export const Remove = kw("remove");
export const Register = kw("register");
export const Window = kw("window");
export const Page = kw("page");
export const Levels = kw("levels");
export const Reads = kw("reads");
export const Writes = kw("writes");
export const Executes = kw("executes");
export const Cannot = kw("cannot");
export const Read = kw("read");
export const Write = kw("write");
export const Execute = kw("execute");
export const Faults = kw("faults");
export const Sees = kw("sees");
export const Migrate = kw("migrate");
export const To = kw("to");
export const Unmap = kw("unmap");
export const From = kw("from");
export const Revoke = kw("revoke");
export const Dummy = kw("dummy");
export const Unregister = kw("unregister");
export const Detach = kw("detach");
export const PowerOff = kw("power-off");
export const Restore = kw("restore");
export const Pinnable = kw("pinnable");
export const Secure = kw("secure");
export const Nonsecure = kw("nonsecure");
// Nested translation: guest memory and the stages of an SMMU domain.
export const Guest = kw("guest");
export const Backed = kw("backed");
export const Stage = kw("stage");
export const Nested = kw("nested");
export const Tables = kw("tables");

/** Permission words (`r`, `rw`, `rwx`, `xr`...): a Name too, so a buffer may be called `r`. */
export const Perms = createToken({
  name: "Perms",
  pattern: Lexer.NA,
  categories: [Name],
  label: "permissions (r, w, x)",
});
const PERMS_RE = /^[rwx]{1,3}$/;

/**
 * Give an identifier token of the Chevrotain lexer its keyword (or permissions) type, as the
 * scanner does while scanning; mutating the token avoids allocating a new one.
 */
export function retypeKeyword(tok: IToken): void {
  const image = tok.image;
  const k = keywordTypes.get(image);
  if (k !== undefined) {
    tok.tokenType = k;
    tok.tokenTypeIdx = k.tokenTypeIdx!;
  } else if (image.length <= 3 && PERMS_RE.test(image)) {
    tok.tokenType = Perms;
    tok.tokenTypeIdx = Perms.tokenTypeIdx!;
  }
}

/** Statements that only appear at top level: a line starting with one ends an unclosed block. */
export const topLevelOnlyStarters: ReadonlySet<TokenType> = new Set([
  Topology,
  Import,
  Use,
  Const,
  Memory,
  Pool,
  Mmu,
  Iommu,
  Cpu,
  Device,
  Dma,
  Domain,
  BufferKw,
  Container,
  Scenario,
  Reservation,
]);

/** Every statement keyword, top level or in a scenario. */
export const statementStarters: ReadonlySet<TokenType> = new Set([
  ...topLevelOnlyStarters,
  MapKw,
  Expect,
]);

/** Lexer patterns, in match order (longer/more specific first). */
export const lexedTokens: TokenType[] = [
  Whitespace,
  Newline,
  Semicolon,
  DirectiveComment,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLiteral,
  UnterminatedString,
  NumberLiteral,
  Identifier,
  Arrow,
  DotDot,
  Dot,
  ShiftLeft,
  ShiftRight,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LCurly,
  RCurly,
  Colon,
  Comma,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Amp,
  Pipe,
  Tilde,
];

/** Every token type (lexed, categories and keywords): the parser's vocabulary. */
export const allTokens: TokenType[] = [
  Name,
  Terminator,
  BinaryOp,
  UnaryOp,
  ...lexedTokens,
  ...keywordTypes.values(),
  Perms,
];
