import type { Command } from "commander";
export function registerDiffCommand(_program: Command): void {}
