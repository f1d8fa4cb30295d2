/**
 * The real `nomaflow run JOB --resume RUN` and `--for`: a run that failed at step 3 of 4 resumed
 * from there, steps 1-2 not run again and their outputs taken from the old run (a later step reads
 * one), `rerun_on_resume`, the two runs linked both ways in `show`, and every refusal; a manual
 * run's logical date, `--for` a fire time or a day, and a job without a schedule.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readRunLog, summarizeRun, type RunSummary } from "../../src/run-logs/readRunLog.js";
import type { RunEvent, RunStartedEvent } from "../../src/run-logs/runEvents.js";
import { eventually } from "../support/processState.js";
import { BIN, makeProject, runCli } from "../support/tempProject.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Each step appends its name to calls.txt, so what ran is counted by the steps themselves. */
const PLUGIN = `import { appendFileSync } from "node:fs";
export function first(ctx) {
  appendFileSync("calls.txt", "first\\n");
  return { x: \`x-\${ctx.runId}\` };
}
`;

const FOUR_STEPS = `id: four
schedule: { cron: "0 3 * * *", timezone: Europe/Paris }
params:
  label: { type: string, default: plain }
steps:
  - name: first
    type: node
    callable: steps.mjs:first
  - name: second
    type: shell
    command: "echo second >> calls.txt; echo \${params.label}"
  - name: third
    type: shell
    command: "echo third >> calls.txt; echo \${steps.first.output.x} >> seen.txt; test -f fixed"
  - name: fourth
    type: shell
    command: "echo fourth >> calls.txt; echo \${steps.second.output.stdout} \${run.scheduled_for}"
`;

function project(jobs: Record<string, string>): string {
  const files: Record<string, string> = { "nomaflow.yaml": "runs_dir: runs\n", "plugins/steps.mjs": PLUGIN };
  for (const [id, text] of Object.entries(jobs)) files[`jobs/${id}.yaml`] = text;
  const made = makeProject(files);
  cleanups.push(made.remove);
  return made.root;
}

function runs(root: string, jobId: string): { events: RunEvent[]; summary: RunSummary; started: RunStartedEvent }[] {
  const folder = join(root, "runs", jobId);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((file) => file.endsWith(".ndjson"))
    .sort()
    .map((file) => {
      const { events } = readRunLog(join(folder, file));
      return { events, summary: summarizeRun(events), started: events[0] as RunStartedEvent };
    });
}

const calls = (root: string) => readFileSync(join(root, "calls.txt"), "utf8").trim().split("\n");

describe("nomaflow run --resume", () => {
  it("reruns a run that failed at step 3 of 4 from step 3, with step 1-2 outputs from the old run, and links the two in show", async () => {
    const root = project({ four: FOUR_STEPS });
    const failed = await runCli(["run", "four", "-p", "label=nightly", "--for", "2026-10-25"], { cwd: root });
    expect(failed.code).toBe(1);
    expect(calls(root)).toEqual(["first", "second", "third"]);
    const [old] = runs(root, "four");
    expect(old!.summary).toMatchObject({ status: "failed", failed_step: "third", scheduled_for: "2026-10-25T03:00:00+01:00" });
    const oldX = (old!.summary.steps[0]!.output as { x: string }).x;
    expect(oldX).toBe(`x-${old!.summary.run_id}`);

    writeFileSync(join(root, "fixed"), "");
    const resumed = await runCli(["run", "four", "--resume", old!.summary.run_id.slice(0, 20)], { cwd: root });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`started: resume of ${old!.summary.run_id}, for 2026-10-25T03:00:00+01:00`);
    expect(resumed.stdout).toContain(`✓ first reused from run ${old!.summary.run_id}  {"x":"${oldX}"}`);
    // Steps 1-2 did not run again; step 3 read the old run's output of step 1.
    expect(calls(root)).toEqual(["first", "second", "third", "third", "fourth"]);
    expect(readFileSync(join(root, "seen.txt"), "utf8").trim().split("\n")).toEqual([oldX, oldX]);
    const [, again] = runs(root, "four");
    expect(again!.started).toMatchObject({
      trigger: "resume",
      resume_of: old!.summary.run_id,
      params: { label: "nightly" },
      scheduled_for: "2026-10-25T03:00:00+01:00",
      interval_start: "2026-10-24T03:00:00+02:00",
      interval_end: "2026-10-25T03:00:00+01:00",
    });
    expect(again!.events.filter((event) => event.event === "step_reused")).toEqual([
      expect.objectContaining({ step: "first", from_run: old!.summary.run_id, output: { x: oldX } }),
      expect.objectContaining({ step: "second", from_run: old!.summary.run_id, output: expect.objectContaining({ stdout: "nightly" }) }),
    ]);
    expect(again!.summary.steps.map((step) => [step.name, step.status, step.reused_from ?? null])).toEqual([
      ["first", "succeeded", old!.summary.run_id],
      ["second", "succeeded", old!.summary.run_id],
      ["third", "succeeded", null],
      ["fourth", "succeeded", null],
    ]);
    expect((again!.summary.steps[3]!.output as { stdout: string }).stdout).toBe("nightly 2026-10-25T03:00:00+01:00");

    const showOld = await runCli(["show", old!.summary.run_id], { cwd: root });
    expect(showOld.stdout.split("\n").slice(1, 4)).toEqual([
      "  trigger   manual, for 2026-10-25T03:00:00+01:00",
      "  interval  2026-10-24T03:00:00+02:00 → 2026-10-25T03:00:00+01:00",
      `  resumed   by ${again!.summary.run_id} (succeeded)`,
    ]);
    const showNew = await runCli(["show", again!.summary.run_id], { cwd: root });
    expect(showNew.stdout).toContain(`  trigger   resume of ${old!.summary.run_id}, for 2026-10-25T03:00:00+01:00`);
    expect(showNew.stdout).toContain(`  ✓ first   node   reused from run ${old!.summary.run_id}`);
    const json = JSON.parse((await runCli(["show", old!.summary.run_id, "--json"], { cwd: root })).stdout) as { resumed_by: unknown };
    expect(json.resumed_by).toEqual([{ run_id: again!.summary.run_id, status: "succeeded" }]);
  }, 60_000);

  it("runs a step with rerun_on_resume: true again, and resumes an interrupted run from the step it cut off", async () => {
    const root = project({
      four: FOUR_STEPS.replace(
        '    command: "echo second >> calls.txt; echo ${params.label}"',
        '    command: "echo second >> calls.txt; echo ${params.label}"\n    rerun_on_resume: true',
      ).replace("test -f fixed", "test -f fixed || { touch waiting; sleep 30; }"),
    });
    const child = spawn(process.execPath, [BIN, "run", "four"], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
    expect(await eventually(() => existsSync(join(root, "waiting")), 20_000)).toBe(true);
    child.kill("SIGINT");
    expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(130);
    const [old] = runs(root, "four");
    expect(old!.summary).toMatchObject({ status: "interrupted", failed_step: "third" });
    writeFileSync(join(root, "fixed"), "");
    const resumed = await runCli(["run", "four", "--resume", old!.summary.run_id], { cwd: root });
    expect(resumed.code).toBe(0);
    expect(calls(root)).toEqual(["first", "second", "third", "second", "third", "fourth"]);
    const [, again] = runs(root, "four");
    expect(again!.summary.steps.map((step) => step.reused_from ?? null)).toEqual([old!.summary.run_id, null, null, null]);
    expect(again!.started.scheduled_for).toBe(old!.started.scheduled_for);
  }, 60_000);

  it("refuses a succeeded run, a running one, another job's, a changed job's, and -p or --for beside it", async () => {
    const root = project({
      four: FOUR_STEPS.replace("test -f fixed", "test -f fixed || { test ! -f hold || { touch holding; sleep 30; }; false; }"),
      other: 'id: other\nsteps:\n  - { name: only, type: shell, command: "true" }\n',
    });
    expect((await runCli(["run", "other"], { cwd: root })).code).toBe(0);
    const [succeeded] = runs(root, "other");
    const refusedSucceeded = await runCli(["run", "other", "--resume", succeeded!.summary.run_id], { cwd: root });
    expect(refusedSucceeded.code).toBe(2);
    expect(refusedSucceeded.stderr).toContain(`nomaflow: error: run ${succeeded!.summary.run_id} of other succeeded: there is nothing to resume`);
    expect(refusedSucceeded.stderr).toContain(
      `hint: to run the job again for the same logical date: nomaflow run other --for ${succeeded!.started.scheduled_for}`,
    );

    const otherJob = await runCli(["run", "four", "--resume", succeeded!.summary.run_id], { cwd: root });
    expect(otherJob.code).toBe(2);
    expect(otherJob.stderr).toContain(`run ${succeeded!.summary.run_id} is a run of job other, not of four`);
    expect(otherJob.stderr).toContain(`hint: nomaflow run other --resume ${succeeded!.summary.run_id}`);

    writeFileSync(join(root, "hold"), "");
    const going = spawn(process.execPath, [BIN, "run", "four"], { cwd: root, stdio: "ignore" });
    cleanups.push(() => going.kill("SIGKILL"));
    expect(await eventually(() => existsSync(join(root, "holding")), 20_000)).toBe(true);
    const [running] = runs(root, "four");
    const refusedRunning = await runCli(["run", "four", "--resume", running!.summary.run_id], { cwd: root });
    expect(refusedRunning.code).toBe(2);
    expect(refusedRunning.stderr).toContain(`run ${running!.summary.run_id} of four is still running (pid ${going.pid} on `);
    going.kill("SIGINT");
    await new Promise((resolve) => going.on("exit", resolve));

    const withParams = await runCli(["run", "four", "--resume", running!.summary.run_id, "-p", "label=x"], { cwd: root });
    expect(withParams.code).toBe(2);
    expect(withParams.stderr).toContain("-p and --for cannot be given with it");

    // The job changed since: its second and fourth steps were renamed.
    writeFileSync(
      join(root, "jobs", "four.yaml"),
      FOUR_STEPS.replace("name: second", "name: second-step").replace("steps.second.output", "steps.second-step.output").replace("name: fourth", "name: last"),
    );
    const changed = await runCli(["run", "four", "--resume", running!.summary.run_id], { cwd: root });
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain(
      `nomaflow: error: job four changed since run ${running!.summary.run_id}: steps second, fourth are no longer in jobs/four.yaml`,
    );
    expect(runs(root, "four")).toHaveLength(1);
  }, 60_000);
});

describe("a run's logical date", () => {
  it("is the latest fire at or before now for a manual run, the fire --for names, and the start for a job without a schedule", async () => {
    const root = project({
      hourly:
        'id: hourly\nschedule: { cron: "0 * * * *", timezone: Asia/Kolkata }\nsteps:\n  - { name: dates, type: shell, command: "echo ${run.interval_start} ${run.interval_end:utc}" }\n',
      manual: 'id: manual\nsteps:\n  - { name: dates, type: shell, command: "echo ${run.scheduled_for} ${run.interval_start} ${run.interval_end}" }\n',
    });
    const before = Date.now();
    expect((await runCli(["run", "hourly"], { cwd: root })).code).toBe(0);
    const [latest] = runs(root, "hourly");
    const hour = Math.floor(before / 3600_000) * 3600_000;
    // Kolkata is UTC+05:30: its whole hours fall at half past in UTC.
    const expected = hour + 1800_000 <= before ? hour + 1800_000 : hour - 1800_000;
    expect(Date.parse(latest!.started.scheduled_for!)).toBe(expected);
    expect(latest!.started.scheduled_for).toMatch(/:00:00\+05:30$/);
    expect(Date.parse(latest!.started.interval_start!)).toBe(expected - 3600_000);

    expect((await runCli(["run", "hourly", "--for", "2027-01-01T10:00"], { cwd: root })).code).toBe(0);
    const [, chosen] = runs(root, "hourly");
    expect((chosen!.summary.steps[0]!.output as { stdout: string }).stdout).toBe("2027-01-01T09:00:00+05:30 2027-01-01T04:30:00+00:00");

    const notAFire = await runCli(["run", "hourly", "--for", "2027-01-01T10:15:00+05:30"], { cwd: root });
    expect(notAFire.code).toBe(2);
    expect(notAFire.stderr).toContain(
      "nomaflow: error: --for 2027-01-01T10:15:00+05:30 (2027-01-01T10:15:00+05:30) is not a fire time of job hourly (0 * * * * in Asia/Kolkata)",
    );
    expect(notAFire.stderr).toContain("hint: the fire times around it: 2027-01-01T10:00:00+05:30, 2027-01-01T11:00:00+05:30");
    const aDay = await runCli(["run", "hourly", "--for", "2027-01-01"], { cwd: root });
    expect(aDay.code).toBe(2);
    expect(aDay.stderr).toContain("--for 2027-01-01: job hourly (0 * * * * in Asia/Kolkata) fires more than once that day");
    expect(runs(root, "hourly")).toHaveLength(2);

    const started = Date.now();
    expect((await runCli(["run", "manual"], { cwd: root })).code).toBe(0);
    const [unscheduled] = runs(root, "manual");
    const at = unscheduled!.started.scheduled_for!;
    expect(at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
    expect(Date.parse(at)).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
    expect(Date.parse(at)).toBeLessThanOrEqual(Date.parse(unscheduled!.started.ts));
    expect(unscheduled!.started).toMatchObject({ interval_start: at, interval_end: at });
    expect((unscheduled!.summary.steps[0]!.output as { stdout: string }).stdout).toBe(`${at} ${at} ${at}`);
  }, 60_000);
});
