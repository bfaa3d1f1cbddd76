import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "plugins/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default is one worker fewer than the CPUs: a single worker on a 2-core machine,
    // while much of the suite waits on processes it spawns (the CLI, QEMU, chromium, dtc).
    // Two workers there took the suite from 289 s to 178 s.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
