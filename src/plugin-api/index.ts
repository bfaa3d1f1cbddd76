/** The public plugin API: everything a driver plugin may import (`vcm/plugin-api`). */
export * from "./types.js";
export * from "./rights.js";
export * from "./level-rights.js";
export * from "./physical-memory.js";
export * from "./pool-allocator.js";
export * from "./translated-memory.js";
export * from "./radix/index.js";
