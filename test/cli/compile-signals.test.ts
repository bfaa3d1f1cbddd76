/**
 * `compile -o DIR` under real signals (issue 9 §4): SIGINT / SIGTERM while the output is being
 * written remove the temporary directory and leave DIR as it was; SIGKILL at any moment leaves
 * DIR complete (old or new), and the next run removes what the killed one left.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, vcm } from "./helpers.js";
import { snapshot } from "../compile/dir-snapshot.js";

const BIN = join(ROOT, "bin/vcm.js");
const scratch = mkdtempSync(join(tmpdir(), "vcm-signals-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Big enough that writing takes a while (8,192 table pages), small enough to be quick. */
function topology(size: string): string {
  return [
    "topology signals",
    "memory ram 0x0 .. +64G ram",
    "pool tables in ram[0x8000_0000 .. +64M]",
    "iommu smmu : arm-lpae { stage 1; granule 4K; ias 48; oas 48 }",
    "device dev behind smmu stream 1",
    `map ram[0x4_0000_0000 .. +${size}] -> dev at auto rw pages 4K`,
    "",
  ].join("\n");
}

const OLD = join(scratch, "old.vcm");
const NEW = join(scratch, "new.vcm");

let oldSnap: string;
let newSnap: string;
let fullMs = 0;

beforeAll(() => {
  writeFileSync(OLD, topology("1G"));
  writeFileSync(NEW, topology("16G"));
  const ref = join(scratch, "ref");
  expect(vcm(["compile", OLD, "-o", ref]).code).toBe(0);
  oldSnap = snapshot(ref)!;
  const t0 = performance.now();
  expect(vcm(["compile", NEW, "-o", ref]).code).toBe(0);
  fullMs = performance.now() - t0;
  newSnap = snapshot(ref)!;
  expect(newSnap).not.toBe(oldSnap);
}, 120_000);

function leftovers(dir: string): string[] {
  const base = dir.split("/").pop()!;
  return readdirSync(join(dir, ".."))
    .filter((n) => n.startsWith(`.${base}.vcm-`))
    .filter((n) => !n.startsWith(`.${base}.vcm-out.`));
}

/** Start a compile of NEW into `dir`; resolves with how it ended. */
function start(dir: string, onSpawn: (kill: (s: NodeJS.Signals) => void) => void) {
  const child = spawn(process.execPath, [BIN, "compile", NEW, "-o", dir], { stdio: "pipe" });
  let stderr = "";
  child.stderr.on("data", (b) => (stderr += b));
  onSpawn((s) => child.kill(s));
  return new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, stderr })),
  );
}

async function untilWriting(dir: string, done: () => boolean): Promise<boolean> {
  const base = dir.split("/").pop()!;
  while (!done()) {
    if (readdirSync(join(dir, "..")).some((n) => n.startsWith(`.${base}.vcm-tmp.`))) return true;
    await new Promise((r) => setTimeout(r, 2));
  }
  return false;
}

describe("compile -o DIR under real signals", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} while writing removes the temporary directory and keeps DIR`, async () => {
      const dir = join(scratch, `out-${signal}`);
      expect(vcm(["compile", OLD, "-o", dir]).code).toBe(0);
      let kill!: (s: NodeJS.Signals) => void;
      let exited = false;
      const ended = start(dir, (k) => (kill = k)).then((r) => {
        exited = true;
        return r;
      });
      const caught = await untilWriting(dir, () => exited);
      if (caught) kill(signal);
      const r = await ended;
      expect(leftovers(dir)).toEqual([]);
      const now = snapshot(dir);
      if (r.signal === signal) {
        // Stopped between two write steps: DIR is exactly the old output.
        expect(r.stderr).toContain(`interrupted by ${signal}`);
        expect(now).toBe(oldSnap);
      } else {
        // The write was done before the signal could stop it: DIR is the new output.
        expect(now).toBe(newSnap);
      }
      // Seen writing, the signal must have stopped it (the write has many steps after that).
      if (caught) expect(r.signal).toBe(signal);
    }, 120_000);
  }

  it("SIGKILL at moments spread over the compile leaves DIR complete; the next run cleans up", async () => {
    const dir = join(scratch, "out-kill");
    expect(vcm(["compile", OLD, "-o", dir]).code).toBe(0);
    for (const fraction of [0.2, 0.5, 0.7, 0.8, 0.9, 0.95]) {
      let kill!: (s: NodeJS.Signals) => void;
      const ended = start(dir, (k) => (kill = k));
      setTimeout(() => kill("SIGKILL"), fullMs * fraction);
      await ended;
      expect([oldSnap, newSnap], `killed at ${fraction}`).toContain(snapshot(dir));
      // Back to the old output for the next kill (a normal run, which also cleans up).
      expect(vcm(["compile", OLD, "-o", dir]).code).toBe(0);
      expect(leftovers(dir)).toEqual([]);
      expect(snapshot(dir)).toBe(oldSnap);
    }
  }, 300_000);
});
