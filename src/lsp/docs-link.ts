/**
 * The documentation link of a check (an LSP diagnostic's `codeDescription`): the anchor the
 * diagnostics catalogue gives it (`docs/DIAGNOSTICS.md#vcm0100-unresolved-name`), as a file URL
 * into the installed package (the docs ship with it; the package has no upstream web address).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { findEntry } from "../diagnostics/catalogue.js";

let packageRoot: string | null | undefined;

/** The directory of VCM's own package.json (this file is in src/lsp or dist/src/lsp). */
function vcmPackageRoot(): string | undefined {
  if (packageRoot !== undefined) return packageRoot ?? undefined;
  packageRoot = null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const manifest = join(dir, "package.json");
    try {
      if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "vcm") {
        packageRoot = dir;
        break;
      }
    } catch {
      // Not ours; keep looking up.
    }
    dir = dirname(dir);
  }
  return packageRoot ?? undefined;
}

/** `file:///…/docs/DIAGNOSTICS.md#vcm0101-unresolved-name`, or undefined for an unknown check. */
export function docsLinkOf(check: string): string | undefined {
  const anchor = findEntry(check)?.anchor;
  const root = vcmPackageRoot();
  if (!anchor || !root) return undefined;
  const [file, fragment] = anchor.split("#");
  return `${pathToFileURL(join(root, file!)).href}${fragment ? `#${fragment}` : ""}`;
}
