/** The lint check that folders under src/ import one way (.config/checkFolderCycles.mjs). */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/tempProject.js";

const SCRIPT = join(REPO_ROOT, ".config", "checkFolderCycles.mjs");
let tree: string | undefined;

function check(files: Record<string, string>, ...args: string[]) {
  tree = mkdtempSync(join(tmpdir(), "nomaflow-cycles-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), text);
  }
  return spawnSync(process.execPath, [SCRIPT, "--src", tree, ...args], { encoding: "utf8" });
}

afterEach(() => {
  if (tree) rmSync(tree, { recursive: true, force: true });
  tree = undefined;
});

describe("checkFolderCycles", () => {
  it("passes when every import goes one way, type imports, re-exports and dynamic imports included", () => {
    const result = check({
      "index.ts": 'export { run } from "./high/run.js";\n',
      "high/run.ts": 'import type { Low } from "../low/low.js";\nexport const run = () => import("../low/low.js");\n',
      "low/low.ts": "export interface Low { n: number }\n",
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("No folder cycles under src/ (3 folders).\n");
    expect(result.status).toBe(0);
  });

  it("fails on a cycle through three folders, naming one importing file per edge", () => {
    const result = check({
      "a/one.ts": 'import { two } from "../b/two.js";\nexport const one = two;\n',
      "b/two.ts": 'export * from "../c/three.js";\nexport const two = 2;\n',
      "c/three.ts": 'import type { one } from "../a/one.js";\nexport type Three = typeof one;\n',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      [
        "Folder cycle under src/: a -> b -> c -> a",
        "  a -> b: a/one.ts",
        "  b -> c: b/two.ts",
        "  c -> a: c/three.ts",
        "  (these folders are all in one circle: a, b, c)",
        "",
      ].join("\n"),
    );
  });

  it("counts the files directly in src/ as one folder, the root", () => {
    const result = check({
      "index.ts": 'export { helper } from "./lib/helper.js";\n',
      "errors.ts": "export class Oops extends Error {}\n",
      "lib/helper.ts": 'import { Oops } from "../errors.js";\nexport const helper = () => new Oops();\n',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Folder cycle under src/: (root) -> lib -> (root)\n  (root) -> lib: index.ts\n  lib -> (root): lib/helper.ts\n");
  });
});
