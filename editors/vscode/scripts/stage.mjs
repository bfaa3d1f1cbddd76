// Before `vsce package`: copy what the extension ships from the repository (the TextMate
// grammar and the licence), so neither is kept twice in git.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const root = join(here, "..", "..");
mkdirSync(join(here, "syntaxes"), { recursive: true });
copyFileSync(
  join(root, "grammar", "vcm.tmLanguage.json"),
  join(here, "syntaxes", "vcm.tmLanguage.json"),
);
copyFileSync(join(root, "LICENSE"), join(here, "LICENSE"));
