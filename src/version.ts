/** The tool's version, read once from package.json so it is never out of step. */
import { readFileSync } from "node:fs";

// dist/src/version.js is two levels below the package root; src/version.ts (tests) is one.
const PACKAGE_JSON = new URL(
  import.meta.url.endsWith(".ts") ? "../package.json" : "../../package.json",
  import.meta.url,
);
const pkg = JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as {
  version: string;
};

export const VCM_VERSION: string = pkg.version;
