import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkTopology } from "../../src/pipeline/check-topology.js";
import { buildTopologyGraph, graphSvg } from "../../src/pictures/index.js";
import { ROOT } from "../cli/helpers.js";

describe("README picture", () => {
  it("docs/images/video-pipeline-graph.svg is what `vcm graph samples/video-pipeline.vcm` writes", async () => {
    // Regenerate with: node bin/vcm.js graph samples/video-pipeline.vcm -o docs/images/video-pipeline-graph.svg
    const checked = await checkTopology(join(ROOT, "samples", "video-pipeline.vcm"), {});
    const svg = await graphSvg(buildTopologyGraph(checked.ir!));
    expect(readFileSync(join(ROOT, "docs", "images", "video-pipeline-graph.svg"), "utf8")).toBe(
      svg,
    );
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain(
      "docs/images/video-pipeline-graph.svg",
    );
  });
});
