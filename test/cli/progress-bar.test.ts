import { describe, expect, it } from "vitest";
import { progressBar } from "../../src/cli/progress-bar.js";
import { spawnSync } from "node:child_process";
import { ROOT, vcm } from "./helpers.js";

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = { isTTY, columns: 60, write: (s: string) => writes.push(s) > 0 };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

describe("progress bar", () => {
  it("draws nothing during the first second, then redraws at most ten times a second", () => {
    const { stream, writes } = fakeStream(true);
    let t = 0;
    const bar = progressBar(stream, {}, () => t);
    bar.update(0, 4, "proving a");
    t = 500;
    bar.update(1, 4, "proving b");
    expect(writes).toEqual([]);
    t = 1200;
    bar.update(2, 4, "proving c");
    t = 1250;
    bar.update(3, 4, "proving d"); // too soon after the last redraw
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBe(`\r[${"#".repeat(15)}${"-".repeat(15)}] 2/4 proving c\x1b[K`);
    bar.finish();
    expect(writes[1]).toBe("\r\x1b[K");
  });

  it("stays silent when not on a terminal, in CI, or on a dumb terminal", () => {
    for (const [tty, env] of [
      [false, {}],
      [true, { CI: "true" }],
      [true, { TERM: "dumb" }],
    ] as const) {
      const { stream, writes } = fakeStream(tty);
      let t = 0;
      const bar = progressBar(stream, env, () => t);
      t = 5000;
      bar.update(1, 2, "x");
      bar.finish();
      expect(writes).toEqual([]);
    }
  });

  it("draws on a real terminal (a pseudo-terminal from script(1)) and erases itself", () => {
    const r = spawnSync(
      "script",
      [
        "-qec",
        `${JSON.stringify(process.execPath)} bin/vcm.js run samples/p2p-revoke.vcm >/dev/null`,
        "/dev/null",
      ],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, CI: "", VCM_PROGRESS_DELAY_MS: "0" } },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\r\[[#-]{30}\] (checking|building tables|\d+\/\d+ )/);
    expect(r.stdout.endsWith("\r\x1b[K")).toBe(true);
  });

  it("never reaches a pipe from vcm run", () => {
    const r = vcm(["run", "samples/spapr-v2.vcm"]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("\r");
  });
});
