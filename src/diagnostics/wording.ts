/** Small helpers for message wording shared by every layer. */

/** `a` or `an` before a word: `an identity domain`, `a blocked domain`. */
export function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}
