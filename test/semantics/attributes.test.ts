import { describe, expect, it } from "vitest";
import { mappingAttributes } from "../../src/semantics/attributes.js";

describe("a map line's attributes", () => {
  it("take the region type's memory type when the line names none", () => {
    expect(mappingAttributes([], { kind: "ram" })).toEqual({
      cacheable: true,
      device: false,
      shareable: "none",
    });
    expect(mappingAttributes([], { kind: "reserved" })).toMatchObject({
      cacheable: true,
      device: false,
    });
    expect(mappingAttributes(["shareable"], { kind: "mmio" })).toEqual({
      cacheable: false,
      device: true,
      shareable: "inner",
    });
  });

  it("keep a named type, whatever the region", () => {
    expect(mappingAttributes(["noncacheable"], { kind: "ram" })).toMatchObject({
      cacheable: false,
      device: false,
    });
    expect(mappingAttributes(["device"], { kind: "ram" })).toMatchObject({
      cacheable: false,
      device: true,
    });
    expect(mappingAttributes(["cacheable", "outer-shareable"], { kind: "mmio" })).toEqual({
      cacheable: true,
      device: false,
      shareable: "outer",
    });
  });

  it("take the region's security state unless the line says `secure` or `nonsecure`", () => {
    const secureRam = { kind: "ram", secure: true } as const;
    expect(mappingAttributes([], secureRam).secure).toBe(true);
    expect(mappingAttributes(["nonsecure"], secureRam).secure).toBeUndefined();
    expect(mappingAttributes([], { kind: "mmio" }).secure).toBeUndefined();
    expect(mappingAttributes(["secure"], { kind: "mmio" })).toEqual({
      secure: true,
      cacheable: false,
      device: true,
      shareable: "none",
    });
  });
});
