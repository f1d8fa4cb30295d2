/**
 * Folders that cannot be made, through the built binary: each ends promptly with one clear line
 * and exit 2. /proc answers ENOENT under a folder that exists (Node's recursive mkdir retried that
 * for ever); a real read-only file system (a tmpfs mounted read-only in a private mount namespace,
 * so nothing outside the test sees it) gave a misleading ENOENT.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, makeProject, runCli } from "../support/tempProject.js";

const base = mkdtempSync(join(tmpdir(), "nomaflow-fs-errors-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Long enough for a slow machine, short enough that a loop is caught. */
const KILL_AFTER_MS = 8_000;

function expectOneLine(result: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines[0]).toMatch(pattern);
  // The line and at most its hint: no stack trace.
  expect(
    lines.slice(1).every((line) => line.startsWith("  hint: ")),
    result.stderr,
  ).toBe(true);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

/** `unshare -m` and `mount` need root (or user namespaces); without them the read-only case cannot run here. */
const canMountPrivately = spawnSync("unshare", ["-m", "true"]).status === 0;

describe("nomaflow init into a folder it cannot make", () => {
  it("ends at once under /proc (the file system refuses the folder)", async () => {
    const result = await runCli(["init", "/proc/nope"], { killAfterMs: KILL_AFTER_MS });
    expectOneLine(result, /^nomaflow: error: cannot create the folder \/proc\/nope: the file system refuses new folders in \/proc \(ENOENT\)$/);
  });

  it("names the file in the way", async () => {
    writeFileSync(join(base, "a-file"), "");
    const result = await runCli(["init", join(base, "a-file", "project")], { killAfterMs: KILL_AFTER_MS });
    expectOneLine(result, new RegExp(`^nomaflow: error: cannot create the folder .*project: ${join(base, "a-file")} is a file, not a folder$`));
  });

  it("says permission, not a missing file, where /sys refuses", async () => {
    const result = await runCli(["init", "/sys/kernel/nope/project"], { killAfterMs: KILL_AFTER_MS });
    expectOneLine(
      result,
      /^nomaflow: error: cannot create the folder \/sys\/kernel\/nope\/project: (operation not permitted \(EPERM\)|permission denied \(EACCES\))$/,
    );
  });

  it.runIf(canMountPrivately)("says read-only file system on a read-only mount", () => {
    const mountPoint = join(base, "read-only");
    mkdirSync(mountPoint);
    const script = `mount -t tmpfs -o ro tmpfs "$1" && exec "$2" "$3" init "$1/new/project"`;
    const result = spawnSync("unshare", ["-m", "sh", "-c", script, "sh", mountPoint, process.execPath, BIN], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
      timeout: KILL_AFTER_MS,
      killSignal: "SIGKILL",
    });
    expectOneLine(
      { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr },
      /^nomaflow: error: cannot create the folder .*\/new\/project: read-only file system \(EROFS\)$/,
    );
  });
});

describe("nomaflow run with runs_dir where no folder can be made", () => {
  it("ends at once with one line naming the run log", async () => {
    const made = makeProject({
      "nomaflow.yaml": "runs_dir: /proc/nope/runs\n",
      "jobs/job.yaml": 'id: job\nsteps:\n  - { name: a, type: shell, command: "true" }\n',
    });
    try {
      const result = await runCli(["run", "job"], { cwd: made.root, killAfterMs: KILL_AFTER_MS });
      expectOneLine(
        result,
        /^nomaflow: error: cannot create the run log \/proc\/nope\/runs\/job\/\S+\.ndjson: the file system refuses new folders in \/proc \(ENOENT\)$/,
      );
    } finally {
      made.remove();
    }
  });
});
