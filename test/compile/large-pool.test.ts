/**
 * A pool of more than 2 GiB (a sparse image: holes read as zeros) loads back through
 * `loadCompiled`: the image is read through a file handle in chunks, never as one buffer
 * (a single read of it fails in Node: "File size is greater than 2 GiB").
 */
import { closeSync, mkdtempSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCompiled } from "../../src/compile/load-compiled.js";
import { writeCompileOutput } from "../../src/compile/write-output.js";
import { verify } from "../../src/runtime/index.js";
import { lowerText } from "../runtime/helpers.js";

const BASE = 0x3000_0000n;
const SIZE = (2n << 30n) + (64n << 10n); // 2 GiB + 64 KiB

describe("a pool image over 2 GiB", () => {
  it("loads, including bytes beyond the first 2 GiB, and proves", () => {
    const text = readFileSync("samples/p2p-revoke.vcm", "utf8").replace(
      "pool tables in ram[0x3000_0000 .. +32M]",
      `pool tables in ram[0x3000_0000 .. +0x${SIZE.toString(16)}]`,
    );
    expect(text).toContain("+0x80010000");
    const l = lowerText(text, "big.vcm");
    const dir = join(mkdtempSync(join(tmpdir(), "vcm-big-")), "out");
    writeCompileOutput(l.compiled, dir);
    const image = join(dir, "pools", "tables.bin");
    expect(BigInt(statSync(image).size)).toBe(SIZE);
    // A word past 2 GiB, where a 32-bit offset or a single buffer would lose it.
    const far = 2 ** 31 + 0x3000 + 8;
    const fd = openSync(image, "r+");
    writeSync(fd, Buffer.from([0xef, 0xbe, 0xad, 0xde]), 0, 4, far);
    closeSync(fd);

    const loaded = loadCompiled(dir, l.ir, l.plugins);
    expect(loaded.memory.read32(Number(BASE) + far)).toBe(0xdeadbeef);
    expect(loaded.memory.read32(Number(BASE) + far - 4)).toBe(0);
    expect(verify(loaded, l.ir, l.plugins, { scenarios: false }).status).toBe("proved");
  }, 180_000);
});
