import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // This file lives in .config/; tests and their paths are relative to the repository root.
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/support/pgliteTemplateSetup.ts"],
    testTimeout: 30_000,
    // Most tests wait on PostgreSQL, PGlite or child processes rather than on this process's CPU:
    // four files at once on a 2-core machine take half the time of the default (cores - 1).
    maxWorkers: 4,
    // DROP DATABASE waits for a checkpoint, which a busy server can make slow.
    hookTimeout: 120_000,
    reporters: ["default", "./test/support/summaryReporter.ts"],
  },
});
