/**
 * `compile -o DIR` never loses data: a failure (or a process death) is injected after every
 * single file-system call of the write sequence, and DIR must be the complete old output or
 * the complete new one at that moment; the next run then cleans up what the dead one left.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { realFsOps, type FsOps } from "../../src/compile/fs-ops.js";
import { loadCompiled } from "../../src/compile/load-compiled.js";
import { fileStem } from "../../src/compile/manifest.js";
import { OutputError, outputNames } from "../../src/compile/output-target.js";
import {
  cleanStaleSiblings,
  prepareOutput,
  writeCompileOutput,
} from "../../src/compile/write-output.js";
import type { IrTopology } from "../../src/ir/types.js";
import { lower } from "../../src/lowering/lower.js";
import { PluginRegistry } from "../../src/plugin-host/registry.js";
import { createFakeRadix } from "../fixtures/lowering/fake-radix.js";
import { baseTopology, domain, mapping } from "../fixtures/lowering/ir-builder.js";
import { snapshot } from "./dir-snapshot.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), "vcm-atomic-"));
  dirs.push(d);
  return d;
}

const plugins = new PluginRegistry();
plugins.register(createFakeRadix(), "test");

function topology(extra: boolean): IrTopology {
  const ir = baseTopology("fake-radix");
  ir.domains.push({ ...domain("e", []), aperture: { base: 0n, size: 1n << 32n, space: "iova" } });
  ir.mappings.push(mapping("d", [{ pa: 0x8000_0000n, size: 0x40_3000n }], 0x20_0000n));
  if (extra) ir.mappings.push(mapping("e", [{ pa: 0x9000_0000n, size: 0x20_0000n }], "auto"));
  return ir;
}

const oldCompiled = lower(topology(false), plugins).compiled!;
const newCompiled = lower(topology(true), plugins).compiled!;

class Death extends Error {}

/** Real file-system calls; after `budget` changing calls every call throws (the process died). */
function dyingFs(budget: number, mode: "death" | "error"): FsOps & { calls: number } {
  let calls = 0;
  let dead = false;
  const changing = (name: string, f: (...a: never[]) => unknown) =>
    ((...args: never[]) => {
      if (dead) throw new Death(`dead (${name})`);
      const n = calls++;
      if (mode === "death" ? n >= budget : n === budget) {
        dead = mode === "death";
        throw Object.assign(new Error(`injected failure in ${name}`), { code: "EIO" });
      }
      return f(...args);
    }) as never;
  const reading = (name: string, f: (...a: never[]) => unknown) =>
    ((...args: never[]) => {
      if (dead) throw new Death(`dead (${name})`);
      return f(...args);
    }) as never;
  const fs = {
    get calls() {
      return calls;
    },
  } as FsOps & { calls: number };
  for (const [name, f] of Object.entries(realFsOps)) {
    const mutating = !["lstat", "readlink", "readdir", "readHead", "fsType"].includes(name);
    (fs as unknown as Record<string, unknown>)[name] = mutating
      ? changing(name, f)
      : reading(name, f);
  }
  return fs;
}

/** A pid no process has (the "dead" writer's). */
const DEAD_PID = 4_000_000;

type Start = "absent" | "previous-output" | "legacy-output" | "empty-dir";

function setUp(start: Start): { dir: string; old: string | undefined } {
  const dir = join(scratch(), "out");
  if (start === "previous-output") writeCompileOutput(oldCompiled, dir);
  if (start === "legacy-output") {
    // An output written as a plain directory (by an older VCM).
    const elsewhere = join(dir, "..", "made-elsewhere");
    writeCompileOutput(oldCompiled, elsewhere);
    mkdirSync(dir);
    for (const f of ["manifest.json", "pools", "domains"]) {
      realFsOps.rename(join(elsewhere, f), join(dir, f));
    }
    rmSync(elsewhere, { recursive: true, force: true });
    for (const n of readdirSync(join(dir, ".."))) {
      if (n.startsWith(".made-elsewhere")) rmSync(join(dir, "..", n), { recursive: true });
    }
  }
  if (start === "empty-dir") mkdirSync(dir);
  return { dir, old: snapshot(dir) };
}

function countCalls(start: Start): number {
  const { dir } = setUp(start);
  const fs = dyingFs(Number.MAX_SAFE_INTEGER, "death");
  writeCompileOutput(newCompiled, dir, { format: "default", fs });
  return fs.calls;
}

const newSnapshot = (() => {
  const dir = join(scratch(), "out");
  writeCompileOutput(newCompiled, dir);
  return snapshot(dir)!;
})();

describe("compile -o DIR under injected failures", () => {
  for (const start of ["absent", "previous-output", "legacy-output", "empty-dir"] as const) {
    it(`DIR (${start}) is the old or the new output after a death at every step`, () => {
      const steps = countCalls(start);
      expect(steps).toBeGreaterThan(10);
      for (let n = 0; n <= steps; n++) {
        const { dir, old } = setUp(start);
        const fs = dyingFs(n, "death");
        let died = false;
        try {
          writeCompileOutput(newCompiled, dir, { format: "default", fs, pid: DEAD_PID });
        } catch {
          died = true;
        }
        let now = snapshot(dir);
        // Only the clean-up after the commit may fail unnoticed, and DIR is then new.
        if (!died) expect(now).toBe(newSnapshot);
        if (n === 0) expect(died).toBe(true);
        if (now === undefined && (start === "legacy-output" || start === "empty-dir")) {
          // The one gap: a real directory renamed aside before the link takes its place. The
          // next run renames it back before doing anything else. (Linux's RENAME_EXCHANGE
          // would close it, but Node has no call for it.)
          cleanStaleSiblings(outputNames(dir, process.pid), realFsOps, process.pid, () => false);
          now = snapshot(dir);
        }
        expect([old, newSnapshot], `death after ${n} of ${steps} calls`).toContain(now);
        // The next run removes whatever the dead one left and writes the new output.
        writeCompileOutput(newCompiled, dir, { format: "default", isAlive: () => false });
        expect(snapshot(dir)).toBe(newSnapshot);
        const siblings = readdirSync(join(dir, "..")).filter((x) => x !== "out");
        expect(siblings, `leftovers after ${n} calls`).toHaveLength(1);
        expect(siblings[0]).toMatch(/^\.out\.vcm-out\./);
        expect(loadCompiled(dir, topology(true), plugins).mappings).toHaveLength(2);
      }
    });

    it(`DIR (${start}) is untouched and nothing is left when any step fails`, () => {
      const steps = countCalls(start);
      for (let n = 0; n < steps; n++) {
        const { dir, old } = setUp(start);
        const before = readdirSync(join(dir, "..")).sort();
        const fs = dyingFs(n, "error");
        let failed = false;
        try {
          writeCompileOutput(newCompiled, dir, { format: "default", fs });
        } catch {
          failed = true;
        }
        const now = snapshot(dir);
        if (!failed) {
          // Only a failing clean-up of the replaced output can go unnoticed: DIR is new.
          expect(now).toBe(newSnapshot);
          continue;
        }
        expect(now, `failure at call ${n}`).toBe(old);
        expect(readdirSync(join(dir, "..")).sort(), `failure at call ${n}`).toEqual(before);
      }
    });
  }
});

describe("compile -o DIR refuses what it must not replace", () => {
  it("refuses an existing file, a foreign directory and a foreign link; --force moves them aside", () => {
    const root = scratch();
    const file = join(root, "notes.txt");
    writeFileSync(file, "precious");
    expect(() => writeCompileOutput(newCompiled, file)).toThrow(/existing file/);
    const foreign = join(root, "photos");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "a.jpg"), "jpeg");
    expect(() => writeCompileOutput(newCompiled, foreign)).toThrow(/not a previous vcm output/);
    expect(readFileSync(file, "utf8")).toBe("precious");
    expect(readFileSync(join(foreign, "a.jpg"), "utf8")).toBe("jpeg");
    writeCompileOutput(newCompiled, foreign, { format: "default", force: true });
    expect(snapshot(foreign)).toBe(newSnapshot);
    const backup = readdirSync(root).find((n) => n.startsWith("photos.vcm-backup."))!;
    expect(readFileSync(join(root, backup, "a.jpg"), "utf8")).toBe("jpeg");
    writeCompileOutput(newCompiled, file, { format: "default", force: true });
    const fileBackup = readdirSync(root).find((n) => n.startsWith("notes.txt.vcm-backup."))!;
    expect(readFileSync(join(root, fileBackup), "utf8")).toBe("precious");
  });

  it("refuses `/`, the working directory and a directory holding the input", () => {
    const root = scratch();
    const input = join(root, "a", "b", "top.vcm");
    expect(() => prepareOutput("/")).toThrow(/root directory/);
    expect(() => prepareOutput(root, { cwd: root })).toThrow(/working directory/);
    expect(() => prepareOutput(join(root, "a"), { inputFile: input })).toThrow(/holds the input/);
    expect(() => prepareOutput(join(root, "a", "b"), { inputFile: input })).toThrow(
      /holds the input/,
    );
    // A sibling of the input's directory is fine.
    expect(() => prepareOutput(join(root, "a", "out"), { inputFile: input })).not.toThrow();
  });

  it("fails at once on /proc, says EROFS on a read-only place, refuses too long a name", () => {
    const t0 = performance.now();
    expect(() => prepareOutput("/proc/x")).toThrow(/proc file system/);
    expect(() => prepareOutput("/proc/self/x/y")).toThrow(OutputError);
    expect(performance.now() - t0).toBeLessThan(2000);
    const readOnly: FsOps = {
      ...realFsOps,
      mkdir: () => {
        throw Object.assign(new Error("EROFS: read-only file system, mkdir"), { code: "EROFS" });
      },
    };
    expect(() => prepareOutput(join(scratch(), "out"), { fs: readOnly })).toThrow(
      /read-only file system \(EROFS\)/,
    );
    expect(() => prepareOutput(join(scratch(), "x".repeat(240)))).toThrow(/240 bytes long/);
  });

  it("shortens file names too long for a file system, keeping them distinct", () => {
    const a = fileStem("d".repeat(300) + "a");
    const b = fileStem("d".repeat(300) + "b");
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(120);
    expect(a).not.toBe(b);
    expect(fileStem("frame[2]")).toBe("frame_2_");
  });
});
