/** The generic radix-table engine: describe a format with hooks, get a whole plugin. */
export * from "./format.js";
export * from "./table.js";
export * from "./reader.js";
export * from "./relocations.js";
export * from "./level-iterator.js";
export * from "./define-plugin.js";
export * from "./descriptor-helpers.js";
export { bswap32, readDescriptor, writeDescriptor, descriptorBigInt } from "./memory-words.js";
