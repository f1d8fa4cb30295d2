import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // This file lives in .config/; tests and their paths are relative to the repository root.
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/support/pgliteTemplateSetup.ts"],
    testTimeout: 30_000,
    // DROP DATABASE waits for a checkpoint, which a busy server can make slow.
    hookTimeout: 120_000,
    reporters: ["default", "./test/support/summaryReporter.ts"],
  },
});
