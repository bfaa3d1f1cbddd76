/**
 * Packs the package as `npm publish` would (from the built dist/: `npm test` builds first) into
 * a temporary directory, never into the repository. Scripts are not run: `prepack` rebuilds
 * dist/, which other test files are reading at the same time.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface PackedTarball {
  /** The temporary directory holding the tarball; the caller removes it. */
  dir: string;
  tarball: string;
  /** Paths inside the package, as npm lists them. */
  files: string[];
}

/** Runs npm; a failure throws with npm's own output. */
export function npm(args: string[], cwd: string): string {
  const r = spawnSync("npm", args, {
    cwd,
    encoding: "utf8",
    // No colour, no update notice, no audit: quiet and the same on every machine.
    env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false" },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    throw new Error(`npm ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

export function packTarball(): PackedTarball {
  if (!existsSync(join(ROOT, "dist/src/index.js"))) {
    throw new Error("dist/ is not built: run `npm run build` (npm test builds first)");
  }
  const dir = mkdtempSync(join(tmpdir(), "vcm-pack-"));
  const out = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", dir], ROOT);
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  return { dir, tarball: join(dir, info!.filename), files: info!.files.map((f) => f.path) };
}
