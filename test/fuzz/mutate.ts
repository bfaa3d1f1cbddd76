/**
 * Small, deterministic mutations of topology text: lines dropped, doubled or swapped, numbers
 * replaced by boundary values, names swapped for other names of the file, words dropped.
 */
const NUMBERS = [
  "0",
  "1",
  "3",
  "0x1000",
  "4K",
  "64K",
  "2M",
  "1G",
  "16G",
  "0xFFFF_FFFF_FFFF_F000",
  "0xFFFF_FFFF_FFFF_FFFF",
  "0x1_0000_0000_0000_0000",
  "0x8000_0000_0000",
  "1T",
  "65",
  "0x7FF",
];

/** A tiny seeded generator (mulberry32): the same seed gives the same mutants. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function mutateOnce(text: string, r: () => number, donors: readonly string[]): string {
  const lines = text.split("\n");
  const i = Math.floor(r() * lines.length);
  switch (Math.floor(r() * (donors.length > 0 ? 8 : 7))) {
    case 7: {
      // A line of another sample: declarations meet formats and shapes they were not written for.
      const donor = pick(r, donors).split("\n");
      lines.splice(i, 0, pick(r, donor));
      return lines.join("\n");
    }
    case 0:
      lines.splice(i, 1);
      return lines.join("\n");
    case 1:
      lines.splice(i, 0, lines[i]!);
      return lines.join("\n");
    case 2: {
      const j = Math.floor(r() * lines.length);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join("\n");
    }
    case 3:
    case 4: {
      const numbers = [...text.matchAll(/\b(0x[0-9A-Fa-f_]+|[0-9][0-9_]*[KMGT]?)\b/g)];
      if (numbers.length === 0) return text;
      const m = pick(r, numbers);
      return text.slice(0, m.index) + pick(r, NUMBERS) + text.slice(m.index! + m[0].length);
    }
    case 5: {
      const names = [...text.matchAll(/\b[a-z_][a-z0-9_]*\b/gi)];
      if (names.length === 0) return text;
      const m = pick(r, names);
      const other = pick(r, names)[0];
      return text.slice(0, m.index) + other + text.slice(m.index! + m[0].length);
    }
    default: {
      const words = [...(lines[i] ?? "").matchAll(/\S+/g)];
      if (words.length === 0) return text;
      const w = pick(r, words);
      lines[i] = lines[i]!.slice(0, w.index) + lines[i]!.slice(w.index! + w[0].length);
      return lines.join("\n");
    }
  }
}

/** `text` with one to three mutations (lines of `donors` may be spliced in). */
export function mutate(text: string, r: () => number, donors: readonly string[] = []): string {
  let out = text;
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) out = mutateOnce(out, r, donors);
  return out;
}
