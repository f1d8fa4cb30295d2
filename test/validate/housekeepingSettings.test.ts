/**
 * The settings of job timeouts, run-log retention and the daemon's run limit: their models, and
 * what `validate` says of each mistake, at its line and column.
 */
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/project/loadProject.js";
import { checkProject } from "../../src/validate/checkProject.js";
import { makeProject } from "../support/tempProject.js";

const removers: (() => void)[] = [];
afterAll(() => removers.forEach((remove) => remove()));

const STEPS = 'steps:\n  - { name: hello, type: shell, command: "echo hi" }\n';

async function check(config: string, job: string) {
  const project = makeProject({ "nomaflow.yaml": config, "jobs/job.yaml": job });
  removers.push(project.remove);
  const loaded = loadProject({ projectDir: project.root, cwd: project.root, processEnv: {} });
  const checked = await checkProject(loaded);
  const lines = checked.report.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity}: ${d.message}${d.hint ? ` (hint: ${d.hint})` : ""}`);
  return { config: loaded.config, job: checked.jobs.get("job"), lines };
}

describe("timeout:", () => {
  it("is read from the job, else from defaults, as a duration", async () => {
    expect((await check("runs_dir: runs\n", `id: job\ntimeout: 2h\n${STEPS}`)).job?.timeoutMs).toBe(7_200_000);
    expect((await check("defaults: { timeout: 90 }\n", `id: job\n${STEPS}`)).job?.timeoutMs).toBe(90_000);
    expect((await check("defaults: { timeout: 90 }\n", `id: job\ntimeout: 30m\n${STEPS}`)).job?.timeoutMs).toBe(1_800_000);
    expect((await check("runs_dir: runs\n", `id: job\n${STEPS}`)).job?.timeoutMs).toBeUndefined();
  });

  it("names a bad value at its position", async () => {
    expect((await check("runs_dir: runs\n", `id: job\ntimeout: 2 hours\n${STEPS}`)).lines).toEqual([
      'jobs/job.yaml:2:10 error: `timeout` must be a number of seconds or a duration such as 90s, 30m, 1h or 1h30m, got "2 hours"',
    ]);
    expect((await check("defaults: { timeout: -1 }\n", `id: job\n${STEPS}`)).lines).toEqual([
      "nomaflow.yaml:1:22 error: `defaults.timeout` must be a number of seconds or a duration such as 90s, 30m, 1h or 1h30m, got -1",
    ]);
  });

  it("warns about a step timeout the job's timeout always cuts short, but not on an always step", async () => {
    const job = [
      "id: job",
      "timeout: 30m",
      "steps:",
      '  - { name: a, type: shell, command: "true", timeout: 1h }',
      '  - { name: b, type: shell, command: "true", timeout: 10m }',
      '  - { name: c, type: shell, command: "true", timeout: 2h, run_if: always }',
      "",
    ].join("\n");
    const { lines, job: model } = await check("runs_dir: runs\n", job);
    expect(lines).toEqual([
      "jobs/job.yaml:4:55 warning: this step's timeout (1 h 00 min) is not shorter than the job's timeout, 30 min 00 s: the job's timeout stops the step first (hint: shorten the step's timeout, or lengthen the job's)",
    ]);
    expect(model).toBeDefined();
    const fromDefaults = await check("defaults: { timeout: 10m }\n", `id: job\nsteps:\n  - { name: a, type: shell, command: "true", timeout: 10m }\n`);
    expect(fromDefaults.lines).toEqual([
      "jobs/job.yaml:3:55 warning: this step's timeout (10 min 00 s) is not shorter than the job's timeout (defaults.timeout in nomaflow.yaml), 10 min 00 s: the job's timeout stops the step first (hint: shorten the step's timeout, or lengthen the job's)",
    ]);
  });
});

describe("runs_retention:", () => {
  it("takes the job's whole over defaults (one rule, not merged field by field); none at all means no retention", async () => {
    const defaults = "defaults:\n  runs_retention: { days: 30, keep_last: 100 }\n";
    expect((await check(defaults, `id: job\nruns_retention: { keep_last: 5 }\n${STEPS}`)).job?.runsRetention).toEqual({ days: undefined, keepLast: 5 });
    expect((await check(defaults, `id: job\n${STEPS}`)).job?.runsRetention).toEqual({ days: 30, keepLast: 100 });
    expect((await check("runs_dir: runs\n", `id: job\nruns_retention: { days: 7 }\n${STEPS}`)).job?.runsRetention).toEqual({ days: 7, keepLast: undefined });
    expect((await check("runs_dir: runs\n", `id: job\n${STEPS}`)).job?.runsRetention).toBeUndefined();
  });

  it("names an empty map, a zero, a fraction and an unknown field at their positions", async () => {
    expect((await check("runs_dir: runs\n", `id: job\nruns_retention: {}\n${STEPS}`)).lines).toEqual([
      "jobs/job.yaml:2:17 error: `runs_retention` must be { days, keep_last } with at least one of them, got an empty map",
    ]);
    expect((await check("runs_dir: runs\n", `id: job\nruns_retention: { days: 0, keep_last: 2.5 }\n${STEPS}`)).lines).toEqual([
      "jobs/job.yaml:2:25 error: `runs_retention.days` must be more than 0, got 0",
      "jobs/job.yaml:2:39 error: `runs_retention.keep_last` must be a whole number, got 2.5",
    ]);
    expect((await check("defaults:\n  runs_retention: { keep: 3 }\n", `id: job\n${STEPS}`)).lines).toEqual([
      "nomaflow.yaml:2:21 error: unknown field `keep` in `defaults.runs_retention` (hint: allowed fields: days, keep_last)",
    ]);
  });
});

describe("daemon.max_concurrent_runs", () => {
  it("is undefined without daemon:, and read when given", async () => {
    expect((await check("runs_dir: runs\n", `id: job\n${STEPS}`)).config.daemon).toEqual({ maxConcurrentRuns: undefined });
    const { config, lines } = await check("daemon: { max_concurrent_runs: 8 }\n", `id: job\n${STEPS}`);
    expect(lines).toEqual([]);
    expect(config.daemon).toEqual({ maxConcurrentRuns: 8 });
  });

  it("names a bad value or field at its position", async () => {
    expect((await check("daemon:\n  max_concurrent_runs: 0\n", `id: job\n${STEPS}`)).lines).toEqual([
      "nomaflow.yaml:2:24 error: `daemon.max_concurrent_runs` must be at least 1, got 0",
    ]);
    expect((await check("daemon: { max_runs: 4 }\n", `id: job\n${STEPS}`)).lines).toEqual([
      "nomaflow.yaml:1:11 error: unknown field `max_runs` in `daemon` (hint: allowed fields: max_concurrent_runs)",
    ]);
  });
});
