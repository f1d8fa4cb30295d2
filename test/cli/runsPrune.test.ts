/**
 * `nomaflow runs prune` through the real binary: with a real `nomaflow run` still going (its log is
 * kept until it ends), a dry run, JSON, an invalid job's logs kept, and a nomaflow.yaml with errors refused.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/processState.js";
import { BIN, makeProject, runCli } from "../support/tempProject.js";

const removers: (() => void)[] = [];
afterEach(() => removers.splice(0).forEach((remove) => remove()));

const WORK = [
  "id: work",
  "runs_retention: { keep_last: 1 }",
  "params:",
  "  seconds: { type: integer, default: 0 }",
  "steps:",
  '  - { name: wait, type: shell, command: "sleep ${params.seconds}" }',
  "",
].join("\n");

function project(files: Record<string, string> = {}) {
  const made = makeProject({ "nomaflow.yaml": "runs_dir: runs\n", "jobs/work.yaml": WORK, ...files });
  removers.push(made.remove);
  return made.root;
}

const logs = (root: string, job: string) =>
  readdirSync(join(root, "runs", job))
    .map((name) => name.replace(".ndjson", ""))
    .sort();

describe("nomaflow runs prune", () => {
  it("keeps the log of a run still going (a real nomaflow run), removes it once the run ended, and says what it removed", async () => {
    const root = project();
    const slow = spawn(process.execPath, [BIN, "run", "work", "-p", "seconds=30", "-C", root], { stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } });
    removers.push(() => slow.kill("SIGKILL"));
    const ended = new Promise((resolve) => slow.on("exit", resolve));
    expect(await eventually(() => existsSync(join(root, "runs", "work")) && readdirSync(join(root, "runs", "work")).length === 1, 10_000)).toBe(true);
    const [going] = logs(root, "work");
    expect(await eventually(() => readFileSync(join(root, "runs", "work", `${going}.ndjson`), "utf8").includes('"step_started"'), 10_000)).toBe(true);
    for (let index = 0; index < 2; index++) expect((await runCli(["run", "work", "-C", root])).code).toBe(0);
    const [, quick1, quick2] = logs(root, "work");

    const dry = await runCli(["runs", "prune", "--dry-run"], { cwd: root });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      new RegExp(
        [
          "^JOB   RETENTION    TO REMOVE  SIZE +LEFT",
          "work  keep last 1  1          [\\d.]+ k?B +2",
          `kept ${going} \\(work\\): the run is still going`,
          "would remove 1 run log \\([\\d.]+ k?B\\) from runs; nothing was deleted \\(--dry-run\\)\n$",
        ].join("\n"),
      ),
    );
    expect(logs(root, "work")).toEqual([going, quick1, quick2]);

    const pruned = await runCli(["runs", "prune", "--json", "-C", root]);
    expect(pruned.code).toBe(0);
    const report = JSON.parse(pruned.stdout);
    expect(report).toMatchObject({
      dry_run: false,
      removed_count: 1,
      jobs: [{ job_id: "work", retention: { days: null, keep_last: 1 }, removed: [{ run_id: quick1 }], kept: 2, kept_going: [going], failed: [] }],
    });
    expect(report.removed_bytes).toBe(report.jobs[0].removed[0].bytes);
    expect(logs(root, "work")).toEqual([going, quick2]);

    // Interrupted, it writes its final event: then its log goes too.
    slow.kill("SIGTERM");
    await ended;
    const after = await runCli(["runs", "prune"], { cwd: root });
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(
      /^JOB {3}RETENTION {4}REMOVED {2}SIZE +LEFT\nwork {2}keep last 1 {2}1 {8}[\d.]+ k?B +1\nremoved 1 run log \([\d.]+ k?B\) from runs\n$/,
    );
    expect(logs(root, "work")).toEqual([quick2]);
    expect((await runCli(["runs", "prune"], { cwd: root })).stdout).toBe(
      "JOB   RETENTION    REMOVED  SIZE  LEFT\nwork  keep last 1  0              1\nnothing to remove from runs\n",
    );
  });

  it("keeps the logs of a job whose file has errors, saying so, and prunes a job gone with the defaults", async () => {
    const root = project({ "nomaflow.yaml": "runs_dir: runs\ndefaults: { runs_retention: { keep_last: 1 } }\n" });
    for (let index = 0; index < 2; index++) expect((await runCli(["run", "work", "-C", root])).code).toBe(0);
    // Another job ran twice, then its file was deleted; work's file breaks.
    const other = makeProject({
      "nomaflow.yaml": `runs_dir: ${join(root, "runs")}\n`,
      "jobs/gone.yaml": 'id: gone\nsteps:\n  - { name: a, type: shell, command: "true" }\n',
    });
    removers.push(other.remove);
    for (let index = 0; index < 2; index++) expect((await runCli(["run", "gone", "-C", other.root])).code).toBe(0);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(root, "jobs", "work.yaml"), WORK.replace("keep_last: 1", "keep_last: many"));
    const result = await runCli(["runs", "prune"], { cwd: root });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("warning: jobs/work.yaml has errors: the run logs of work are kept (see nomaflow validate)\n");
    expect(result.stdout).toMatch(
      /^JOB {3}RETENTION {4}REMOVED {2}SIZE +LEFT\ngone {2}keep last 1 {2}1 {8}[\d.]+ k?B +1\nwork {2}none {9}0 +2\nremoved 1 run log/,
    );
    expect(logs(root, "work")).toHaveLength(2);
    expect(logs(root, "gone")).toHaveLength(1);
  });

  it("refuses to prune with a nomaflow.yaml that has errors (exit 2), naming the position", async () => {
    const root = project({ "nomaflow.yaml": "runs_dir: runs\ndefaults: { runs_retention: { keep_last: 0 } }\n" });
    const result = await runCli(["runs", "prune"], { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "nomaflow: error: nomaflow.yaml:2:42: `defaults.runs_retention.keep_last` must be at least 1, got 0\n  hint: fix nomaflow.yaml first",
    );
  });
});
