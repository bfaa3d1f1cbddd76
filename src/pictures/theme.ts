/**
 * The colours of every picture and of the HTML report, as CSS custom properties: light by
 * default, dark under `prefers-color-scheme: dark`, and black on white when printed. Shapes use
 * classes, never fixed colours, so one stylesheet serves a standalone SVG and the inline ones.
 */

/** Page sizes that get a colour of their own (log2 of the size); others share `ps-other`. */
export const PAGE_SHIFT_COLOURS: readonly [number, string, string][] = [
  // shift, light, dark
  [12, "#4e79a7", "#7aa6d6"], // 4K
  [14, "#59a14f", "#8cd17d"], // 16K
  [16, "#76b7b2", "#9fd8d3"], // 64K
  [20, "#b07aa1", "#d4a6c8"], // 1M
  [21, "#f28e2b", "#ffb870"], // 2M
  [24, "#9c755f", "#c9a58f"], // 16M
  [25, "#edc948", "#f5dc7a"], // 32M
  [29, "#ff9da7", "#ffc2c8"], // 512M
  [30, "#e15759", "#ff8a8c"], // 1G
];

/** The CSS class of a page size: `ps-21` for 2M, `ps-other` for sizes without a colour. */
export function pageSizeClass(pageSize: bigint): string {
  let shift = 0;
  while (1n << BigInt(shift) < pageSize) shift++;
  return PAGE_SHIFT_COLOURS.some(([s]) => s === shift) && 1n << BigInt(shift) === pageSize
    ? `ps-${shift}`
    : "ps-other";
}

function pageRules(which: 1 | 2): string {
  return PAGE_SHIFT_COLOURS.map((c) => `.ps-${c[0]}{fill:${c[which]}}`).join("");
}

/** The stylesheet embedded in every SVG (and in the HTML report). */
export function pictureStyle(): string {
  return [
    ":root,svg{--fg:#1b1f24;--muted:#57606a;--bg:#ffffff;--panel:#f3f4f6;--line:#8c959f;",
    "--endpoint:#dbeafe;--mapper:#fef3c7;--domain:#dcfce7;--window:#e0e7ff;--memory:#fce7f3;",
    "--reserve:#9ca3af;--msi:#a855f7;--unity:#14b8a6;--fault:#dc2626;--ok:#15803d}",
    "@media (prefers-color-scheme:dark){:root,svg{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;",
    "--panel:#161b22;--line:#6e7681;--endpoint:#1e3a5f;--mapper:#4a3b10;--domain:#143d24;",
    "--window:#272d5c;--memory:#4a1d3a;--reserve:#6b7280;--msi:#c084fc;--unity:#2dd4bf;",
    "--fault:#f87171;--ok:#4ade80}}",
    "@media print{:root,svg{--fg:#000;--muted:#333;--bg:#fff;--panel:#fff;--line:#555;",
    "--endpoint:#fff;--mapper:#fff;--domain:#fff;--window:#fff;--memory:#fff}}",
    "text{fill:var(--fg);font:12px sans-serif}",
    ".muted{fill:var(--muted)}.small{font-size:10px}.bold{font-weight:bold}",
    ".title{font-size:15px;font-weight:bold}",
    ".node{stroke:var(--line);stroke-width:1}",
    ".k-endpoint{fill:var(--endpoint)}.k-mapper{fill:var(--mapper)}.k-domain{fill:var(--domain)}",
    ".k-container,.k-window{fill:var(--window)}.k-memory{fill:var(--memory)}",
    ".k-blocked{fill:var(--panel);stroke-dasharray:4 3}",
    ".edge{fill:none;stroke:var(--line);stroke-width:1.3}",
    ".edge.attach{stroke-dasharray:5 3}",
    ".arrow{fill:var(--line)}",
    ".label-bg{fill:var(--bg);opacity:.85}",
    ".bar{fill:var(--panel);stroke:var(--line)}",
    ".gap{fill:var(--bg);stroke:var(--line);stroke-dasharray:2 2}",
    ".r-reserve{fill:var(--reserve)}.r-msi{fill:var(--msi)}.r-unity{fill:var(--unity)}",
    ".r-reserve,.r-msi,.r-unity{opacity:.75}",
    ".tick{stroke:var(--line)}",
    ".ps-other{fill:var(--muted)}",
    pageRules(1),
    `@media (prefers-color-scheme:dark){${pageRules(2)}}`,
    "@media print{.ps-other{fill:#777}}",
  ].join("");
}
