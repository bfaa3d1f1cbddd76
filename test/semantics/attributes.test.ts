import { describe, expect, it } from "vitest";
import { mappingAttributes } from "../../src/semantics/attributes.js";

describe("a map line's attributes", () => {
  it("take the region type's memory type when the line names none", () => {
    expect(mappingAttributes([], "ram")).toEqual({
      cacheable: true,
      device: false,
      shareable: "none",
    });
    expect(mappingAttributes([], "reserved")).toMatchObject({ cacheable: true, device: false });
    expect(mappingAttributes(["shareable"], "mmio")).toEqual({
      cacheable: false,
      device: true,
      shareable: "inner",
    });
  });

  it("keep a named type, whatever the region", () => {
    expect(mappingAttributes(["noncacheable"], "ram")).toMatchObject({
      cacheable: false,
      device: false,
    });
    expect(mappingAttributes(["device"], "ram")).toMatchObject({ cacheable: false, device: true });
    expect(mappingAttributes(["cacheable", "outer-shareable"], "mmio")).toEqual({
      cacheable: true,
      device: false,
      shareable: "outer",
    });
  });
});
