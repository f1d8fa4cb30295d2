/**
 * The console's page data without a browser or a server: which fires a job shows (a DST week
 * included), which step states real run logs fold into (retrying, failed, skipped, abandoned), the
 * history's numbers, and that no secret reaches a page.
 */
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/run-logs/runEvents.js";
import { ConsolePages } from "../../src/console/consolePages.js";
import { cronPreview } from "../../src/console/cronPreview.js";
import { connectorViews } from "../../src/console/connectorsView.js";
import type { HttpRefusal } from "../../src/console/httpAnswers.js";
import { readRunDetail } from "../../src/console/runLocator.js";
import { loadProject } from "../../src/project/loadProject.js";
import { planResume } from "../../src/runner/resumePlan.js";
import { startRun } from "../../src/runner/startRun.js";
import { summarizeRun } from "../../src/run-logs/readRunLog.js";
import { checkJob } from "../../src/validate/checkProject.js";
import { exitedPid, writeSampleRun } from "../run-logs/sampleRun.js";
import { eventually } from "../support/processState.js";
import { runJobIn } from "../support/runProject.js";
import { makeProject } from "../support/tempProject.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function project(files: Record<string, string>): string {
  const made = makeProject({ "nomaflow.yaml": "runs_dir: runs\n", ...files });
  cleanups.push(made.remove);
  return made.root;
}

function pages(root: string, now: () => number = Date.now, processEnv: NodeJS.ProcessEnv = {}): ConsolePages {
  const made = new ConsolePages({ projectDir: root, cwd: root, processEnv, now });
  cleanups.push(() => made.close());
  return made;
}

describe("the catalogue's fires", () => {
  it("shows the next three fires in the job's zone with offsets and weekdays, and the spring-forward note on the fire it moves", async () => {
    const root = project({
      "jobs/nightly.yaml": 'id: nightly\nschedule: { cron: "30 2 * * *", timezone: Europe/Paris }\nsteps:\n  - { name: a, type: shell, command: "true" }\n',
      "jobs/by-hand.yaml": 'id: by-hand\nsteps:\n  - { name: a, type: shell, command: "true" }\n',
      "jobs/paused.yaml": 'id: paused\nenabled: false\nschedule: { cron: "0 * * * *" }\nsteps:\n  - { name: a, type: shell, command: "true" }\n',
    });
    const now = Date.parse("2027-03-26T12:00:00+01:00");
    const catalogue = await pages(root, () => now).catalogue();
    const nightly = catalogue.jobs.find((job) => job.id === "nightly")!;
    expect(nightly.schedule).toEqual({ expression: "30 2 * * *", timezone: "Europe/Paris", words: "At 02:30, every day" });
    expect(nightly.nextFires).toEqual([
      { at: "2027-03-27T02:30:00+01:00", offset: "+01:00", weekday: "Sat" },
      { at: "2027-03-28T03:00:00+02:00", offset: "+02:00", weekday: "Sun" },
      { at: "2027-03-29T02:30:00+02:00", offset: "+02:00", weekday: "Mon" },
    ]);
    expect(nightly.dstNotes).toEqual([
      {
        message: "Clocks go forward on Sun 28 Mar 2027 at 02:00 (+01:00 → +02:00): 02:30 does not exist that night, the job fires at 03:00",
        at: "2027-03-28T03:00:00+02:00",
      },
    ]);
    const byHand = catalogue.jobs.find((job) => job.id === "by-hand")!;
    expect([byHand.schedule, byHand.nextFires]).toEqual([null, []]);
    const paused = catalogue.jobs.find((job) => job.id === "paused")!;
    expect([paused.enabled, paused.schedule?.words, paused.nextFires]).toEqual([false, "At minute 0 past every hour", []]);
  });

  it("recomputes a job's fires once the first has passed, and keeps them until then", async () => {
    const root = project({ "jobs/hourly.yaml": 'id: hourly\nschedule: { cron: "0 * * * *" }\nsteps:\n  - { name: a, type: shell, command: "true" }\n' });
    let now = Date.parse("2026-12-06T10:30:00Z");
    const shown = pages(root, () => now);
    expect((await shown.catalogue()).jobs[0]!.nextFires[0]!.at).toBe("2026-12-06T11:00:00+00:00");
    now = Date.parse("2026-12-06T10:59:59Z");
    expect((await shown.catalogue()).jobs[0]!.nextFires[0]!.at).toBe("2026-12-06T11:00:00+00:00");
    now = Date.parse("2026-12-06T11:00:01Z");
    expect((await shown.catalogue()).jobs[0]!.nextFires.map((fire) => fire.at)).toEqual([
      "2026-12-06T12:00:00+00:00",
      "2026-12-06T13:00:00+00:00",
      "2026-12-06T14:00:00+00:00",
    ]);
  });

  it("lists an invalid job with its diagnostics at file:line", async () => {
    const root = project({ "jobs/broken.yaml": 'id: broken\nschedule: { cron: "61 * * * *" }\nsteps:\n  - { name: a, type: shell, command: "true" }\n' });
    const catalogue = await pages(root).catalogue();
    expect(catalogue.jobs).toEqual([]);
    expect(catalogue.invalid).toHaveLength(1);
    const [diagnostic] = catalogue.invalid[0]!.diagnostics;
    expect(diagnostic).toMatchObject({ severity: "error", file: "jobs/broken.yaml", line: 2 });
    expect(diagnostic!.message).toContain("61");
  });

  it("the cron page: a fall-back week in Paris, with the note on the fire that happens once", () => {
    const preview = cronPreview(
      new URLSearchParams({ expression: "30 2 * * *", timezone: "Europe/Paris", count: "3" }),
      Date.parse("2027-10-30T12:00:00+02:00"),
    );
    expect(preview.fires.map((fire) => fire.at)).toEqual(["2027-10-31T02:30:00+02:00", "2027-11-01T02:30:00+01:00", "2027-11-02T02:30:00+01:00"]);
    expect(preview.dstNotes).toEqual([
      {
        message: "Clocks go back on Sun 31 Oct 2027 at 03:00 (+02:00 → +01:00): 02:30 happens twice, the job fires once, at the first",
        at: "2027-10-31T02:30:00+02:00",
      },
    ]);
    expect(preview.words).toBe("At 02:30, every day");
  });

  it("the cron page refuses a bad expression and an unknown zone with the cron command's words", () => {
    const refusal = (query: Record<string, string>) => {
      try {
        cronPreview(new URLSearchParams(query), Date.now());
      } catch (error) {
        return error as HttpRefusal;
      }
      throw new Error("not refused");
    };
    const badField = refusal({ expression: "0 25 * * *" });
    expect([badField.status, badField.message]).toEqual([400, expect.stringContaining('cron "0 25 * * *"')]);
    expect(badField.hint).toContain("^");
    const badZone = refusal({ expression: "0 2 * * *", timezone: "Europe/Pari" });
    expect([badZone.status, badZone.message, badZone.hint]).toEqual([400, "unknown time zone Europe/Pari", "did you mean Europe/Paris?"]);
    expect(refusal({ expression: "0 2 * * *", count: "500" }).status).toBe(400);
  });
});

describe("step states from real run logs", () => {
  it("a step failed on all its tries, a skipped one, one that ran anyway; the run's error and hints", async () => {
    const root = project({
      "jobs/mixed.yaml": [
        "id: mixed",
        "steps:",
        '  - { name: flaky, type: shell, command: "echo trying; exit 3", retry: { attempts: 2, base_seconds: 0 } }',
        '  - { name: report, type: shell, command: "echo never" }',
        '  - { name: cleanup, type: shell, command: "echo cleaned", run_if: always }',
        "",
      ].join("\n"),
    });
    const run = await runJobIn(root, "mixed");
    expect(run.result.status).toBe("failed");
    const shown = pages(root);
    const detail = await readRunDetail(run.result.runId, await shown.location(), shown.isAlive);
    expect(detail).toMatchObject({
      runId: run.result.runId,
      jobId: "mixed",
      status: "failed",
      trigger: "manual",
      host: hostname(),
      command: `nomaflow show ${run.result.runId}`,
    });
    expect(detail.error).toContain("step flaky failed");
    expect(detail.hint).toContain("step flaky failed");
    const [flaky, report, cleanup] = detail.steps;
    expect(flaky).toMatchObject({ name: "flaky", type: "shell", status: "failed", attempt: 2, attempts: 2, retryAt: null });
    expect(flaky!.error).toContain("3");
    expect(flaky!.hint).toBe("failed on all 2 tries (retry.attempts in the job file sets how many)");
    expect(flaky!.logs.map((line) => line.message)).toContain("trying");
    expect(report).toMatchObject({ name: "report", status: "skipped", error: "step flaky failed", startedAt: null });
    expect(cleanup).toMatchObject({ name: "cleanup", status: "succeeded", attempt: 1 });
    expect(cleanup!.output).toMatchObject({ stdout: "cleaned" });
    expect(cleanup!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("a step waiting for its next try reads as retrying, with the time of that try; an interrupt ends the run", async () => {
    const root = project({
      "jobs/waits.yaml": 'id: waits\nsteps:\n  - { name: flaky, type: shell, command: "exit 1", retry: { attempts: 3, base_seconds: 30 } }\n',
    });
    const loaded = loadProject({ projectDir: root, cwd: root, processEnv: {} });
    const job = await checkJob(loaded, "waits");
    const interrupt = new AbortController();
    const events: RunEvent[] = [];
    const handle = startRun({ project: loaded, job, params: {}, interrupt: interrupt.signal, onEvent: (event) => events.push(event) });
    cleanups.push(async () => {
      interrupt.abort();
      await handle.result;
    });
    expect(await eventually(() => events.some((event) => event.event === "step_attempt_failed"), 10_000)).toBe(true);
    const shown = pages(root);
    const waiting = await readRunDetail(handle.runId, await shown.location(), shown.isAlive);
    const failedAt = Date.parse(events.find((event) => event.event === "step_attempt_failed")!.ts);
    expect(waiting.status).toBe("running");
    expect(waiting.steps[0]).toMatchObject({ status: "retrying", attempt: 1, attempts: 3, hint: "try 1 of 3 failed; the next one starts on its own" });
    expect(Date.parse(waiting.steps[0]!.retryAt!)).toBe(failedAt + 30_000);
    interrupt.abort();
    await handle.result;
    const ended = await readRunDetail(handle.runId, await shown.location(), shown.isAlive);
    expect(ended.status).toBe("interrupted");
    expect(ended.steps[0]).toMatchObject({ status: "failed", retryAt: null });
    expect(ended.hint).toContain("stopped on purpose");
  });

  it("a run whose process died reads as abandoned: the step it was running is cut off", async () => {
    const root = project({ "jobs/nightly.yaml": 'id: nightly\nsteps:\n  - { name: a, type: shell, command: "true" }\n' });
    const { runId } = writeSampleRun(join(root, "runs"), { final: null, pid: await exitedPid(), eventCount: 6 });
    const shown = pages(root);
    const detail = await readRunDetail(runId, await shown.location(), shown.isAlive);
    expect(detail.status).toBe("abandoned");
    expect(detail.error).toContain("is gone and the log has no final event");
    expect(detail.hint).toContain("stopped without writing the run's end");
    expect(detail.steps.map((step) => [step.name, step.status])).toEqual([
      ["sanity", "succeeded"],
      ["copy", "failed"],
      ["notify", "pending"],
      ["cleanup", "pending"],
      ["archive", "pending"],
    ]);
    expect(detail.steps[1]).toMatchObject({ error: "the run was abandoned while this step ran", rows: 1200, bytes: 3_400_000 });
  });

  it("a run's logical date, its resume (the steps reused, linked both ways), and a job-timeout failure", async () => {
    const root = project({
      "jobs/daily.yaml": [
        "id: daily",
        'schedule: { cron: "0 2 * * *", timezone: Europe/Paris }',
        "steps:",
        '  - { name: extract, type: shell, command: "echo extracted" }',
        '  - { name: load, type: shell, command: "test -f go || exit 4" }',
        "",
      ].join("\n"),
      "jobs/slow.yaml": ["id: slow", "timeout: 300ms", "steps:", '  - { name: wait, type: shell, command: "sleep 5" }', ""].join("\n"),
    });
    const failed = await runJobIn(root, "daily", { trigger: "schedule", scheduledFor: "2026-12-06T02:00:00+01:00" });
    expect(failed.result.status).toBe("failed");
    const shown = pages(root);
    const first = await readRunDetail(failed.result.runId, await shown.location(), shown.isAlive);
    expect(first).toMatchObject({
      trigger: "schedule",
      scheduledFor: "2026-12-06T02:00:00+01:00",
      intervalStart: "2026-12-05T02:00:00+01:00",
      intervalEnd: "2026-12-06T02:00:00+01:00",
    });
    expect(first.resumedBy).toBeUndefined();
    expect(first.hint).toContain(`nomaflow run daily --resume ${failed.result.runId}`);

    writeFileSync(join(root, "go"), "");
    const loaded = loadProject({ projectDir: root, cwd: root, processEnv: {} });
    const plan = planResume(await checkJob(loaded, "daily"), summarizeRun(failed.events));
    const resumed = await runJobIn(root, "daily", { trigger: "resume", logicalDate: plan.logicalDate, params: plan.params, resume: plan });
    expect(resumed.result.status).toBe("succeeded");
    const second = await readRunDetail(resumed.result.runId, await shown.location(), shown.isAlive);
    expect(second).toMatchObject({ trigger: "resume", resumeOf: failed.result.runId, scheduledFor: "2026-12-06T02:00:00+01:00" });
    expect(second.steps[0]).toMatchObject({ name: "extract", status: "succeeded", reusedFrom: failed.result.runId, startedAt: null });
    expect(second.steps[0]!.output).toMatchObject({ stdout: "extracted" });
    expect(second.steps[1]).toMatchObject({ name: "load", status: "succeeded" });
    expect(second.steps[1]!.reusedFrom).toBeUndefined();
    // The run resumed now names its resume.
    const again = await readRunDetail(failed.result.runId, await shown.location(), shown.isAlive);
    expect(again.resumedBy).toEqual([{ runId: resumed.result.runId, status: "succeeded" }]);

    const timedOut = await runJobIn(root, "slow");
    expect(timedOut.result.status).toBe("failed");
    const cut = await readRunDetail(timedOut.result.runId, await shown.location(), shown.isAlive);
    expect(cut).toMatchObject({ status: "failed", endReason: "job_timeout" });
    expect(cut.error).toContain("the job timed out after 300 ms");
    expect(cut.hint).toContain("the job's timeout");
    expect(first.endReason).toBeUndefined();
  });

  it("an unknown run is a 404 that names it", async () => {
    const root = project({ "jobs/nightly.yaml": 'id: nightly\nsteps:\n  - { name: a, type: shell, command: "true" }\n' });
    const shown = pages(root);
    await expect(readRunDetail("20261206T010000000Z-aaaaaa", await shown.location(), shown.isAlive)).rejects.toMatchObject({
      status: 404,
      message: "no run 20261206T010000000Z-aaaaaa",
    });
    await expect(readRunDetail("../../etc/passwd", await shown.location(), shown.isAlive)).rejects.toMatchObject({ status: 404 });
  });
});

describe("history", () => {
  it("the runs newest first, the failure rate of those that ended, and the slowest step", async () => {
    const root = project({ "jobs/nightly.yaml": 'id: nightly\nsteps:\n  - { name: a, type: shell, command: "true" }\n' });
    const runsDir = join(root, "runs");
    const start = Date.parse("2026-12-01T01:00:00Z");
    const runs = [
      writeSampleRun(runsDir, { start: new Date(start), final: "run_failed" }),
      writeSampleRun(runsDir, { start: new Date(start + 86_400_000), final: "run_succeeded" }),
      writeSampleRun(runsDir, { start: new Date(start + 2 * 86_400_000), final: "run_failed" }),
      writeSampleRun(runsDir, { start: new Date(start + 3 * 86_400_000), final: "run_succeeded" }),
    ];
    const history = await pages(root).history("nightly", 200);
    expect(history.runs.map((run) => run.runId)).toEqual(runs.map((run) => run.runId).reverse());
    expect(history.runs[0]).toMatchObject({ status: "succeeded", trigger: "manual", durationMs: 64_000, rows: 1200, host: hostname() });
    expect(history.failureRate).toBe(0.5);
    expect(history.slowestStep).toEqual({ name: "copy", durationMs: 62_300, runId: runs[3]!.runId });
    expect((await pages(root).history("nightly", 2)).runs).toHaveLength(2);
    await expect(pages(root).history("nigthly", 2)).rejects.toMatchObject({ status: 404, hint: "did you mean nightly?" });
  });

  it("the catalogue's last run and sparkline, oldest first", async () => {
    const root = project({ "jobs/nightly.yaml": 'id: nightly\nsteps:\n  - { name: a, type: shell, command: "true" }\n' });
    const start = Date.parse("2026-12-01T01:00:00Z");
    const first = writeSampleRun(join(root, "runs"), { start: new Date(start), final: "run_failed" });
    const second = writeSampleRun(join(root, "runs"), { start: new Date(start + 60_000), final: "run_succeeded" });
    const [card] = (await pages(root).catalogue()).jobs;
    expect(card!.lastRun).toMatchObject({ runId: second.runId, status: "succeeded", durationMs: 64_000 });
    expect(card!.recent).toEqual([
      { runId: first.runId, status: "failed", durationMs: 64_000 },
      { runId: second.runId, status: "succeeded", durationMs: 64_000 },
    ]);
  });
});

describe("no secret reaches a page", () => {
  it("connector passwords are ***, values of the environment are masked in targets, logs and outputs", async () => {
    const secret = "s3cr3t-Pa55word";
    const root = project({
      "nomaflow.yaml": [
        "runs_dir: runs",
        "connectors:",
        '  warehouse: { url: "postgres://loader:${env:WAREHOUSE_PASSWORD}@db.internal:5432/dw" }',
        '  literal: { url: "postgres://admin:plainpass@127.0.0.1:5432/ops" }',
        '  scratch: { url: "pglite:.nomaflow/scratch" }',
        "",
      ].join("\n"),
      ".env": `WAREHOUSE_PASSWORD=${secret}\nAPI_KEY=${secret}-api\n`,
      "jobs/leaky.yaml": 'id: leaky\nsteps:\n  - { name: say, type: shell, command: "echo key=${env:API_KEY}" }\n',
    });
    expect(connectorViews(loadProject({ projectDir: root, cwd: root, processEnv: {} }))).toEqual([
      { name: "warehouse", kind: "postgres", target: "postgres://loader:***@db.internal:5432/dw", poolMax: 4 },
      { name: "literal", kind: "postgres", target: "postgres://admin:***@127.0.0.1:5432/ops", poolMax: 4 },
      { name: "scratch", kind: "pglite", target: "pglite:.nomaflow/scratch", poolMax: 4 },
    ]);
    const run = await runJobIn(root, "leaky");
    const shown = pages(root);
    const everything = JSON.stringify([
      await shown.catalogue(),
      await shown.jobDetail("leaky"),
      await shown.history("leaky", 10),
      await readRunDetail(run.result.runId, await shown.location(), shown.isAlive),
    ]);
    expect(everything).toContain("key=***");
    expect(everything).not.toContain(secret);
  });
});
