/** `vcm run --jobs` through the built binary (as the CLI tests do: dist/ must be built). */
import { describe, expect, it } from "vitest";
import { vcm } from "../cli/helpers.js";

const withoutTime = (json: string) => json.replace(/"elapsedMs": [0-9.e+-]+/, '"elapsedMs": 0');

describe("vcm run --jobs", () => {
  it("gives the report of --jobs 1", () => {
    const one = vcm(["run", "samples/video-pipeline.vcm", "--json", "--jobs", "1"]);
    expect(one.code).toBe(0);
    for (const jobs of ["2", "auto"]) {
      const r = vcm(["run", "samples/video-pipeline.vcm", "--json", "-j", jobs]);
      expect(r.code, r.stderr).toBe(0);
      expect(withoutTime(r.stdout)).toBe(withoutTime(one.stdout));
    }
  });

  it("refuses a job count that is not a positive integer or auto", () => {
    for (const bad of ["0", "-1", "two", "1.5"]) {
      const r = vcm(["run", "samples/video-pipeline.vcm", "--jobs", bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain("--jobs");
    }
  });
});
