import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO_ROOT } from "../../support/tempProject.js";
import { eventually, isRunning } from "../../support/processState.js";

let folder: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "nomaflow-shell-exit-"));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

it("kills a running command's process group when Nomaflow exits normally", async () => {
  // A real Node process runs the step and exits (as the CLI does with process.exit) while the
  // command and its grandchild are still running. The step code is bundled for it with esbuild.
  const entry = join(folder, "entry.ts");
  writeFileSync(
    entry,
    `import { runShellStep } from ${JSON.stringify(join(REPO_ROOT, "src/step-types/shell/runShellStep.ts"))};
const context = {
  jobId: "j", runId: "r", stepName: "s", attempt: 1, projectRoot: ${JSON.stringify(folder)}, env: process.env,
  log: (_level: string, message: string) => { if (message === "started") process.exit(0); },
  progress: () => {}, mask: (text: string) => text,
};
void runShellStep({ command: "echo $$ > leader.pid; sleep 100 & echo $! > grandchild.pid; echo started; sleep 100" }, context, new AbortController().signal);
`,
  );
  const bundle = join(folder, "entry.mjs");
  await build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "warning",
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });

  const exitCode = await new Promise<number | null>((resolve) => execFile(process.execPath, [bundle]).once("exit", resolve));
  expect(exitCode).toBe(0);
  const leader = Number(readFileSync(join(folder, "leader.pid"), "utf8"));
  const grandchild = Number(readFileSync(join(folder, "grandchild.pid"), "utf8"));
  expect(await eventually(() => !isRunning(leader) && !isRunning(grandchild))).toBe(true);
});
