/**
 * Chained jobs (`trigger: { after, on }`) fired by the real `nomaflow daemon` process (the built
 * bin) on local disk. What counts is what the daemon leaves: the run logs (each chained run's
 * trigger, logical date, interval and `after_runs`) and its log lines. The tests wait for
 * conditions (runs written, log lines), never for fixed times.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RunEvent, type RunStartedEvent } from "../../src/run-logs/runEvents.js";
import { createAjv } from "../../src/validate/ajvInstance.js";
import { eventually, isRunning } from "../support/processState.js";
import { makeProject, runCli } from "../support/tempProject.js";
import { runLogs, startDaemon, type DaemonProcess } from "./daemonProcess.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A daemon starting on a loaded 2-core machine can take seconds. */
const START_TIMEOUT_MS = 30_000;

function project(jobs: Record<string, string>): string {
  const files: Record<string, string> = { "nomaflow.yaml": "runs_dir: runs\n" };
  for (const [id, body] of Object.entries(jobs)) files[`jobs/${id}.yaml`] = `id: ${id}\n${body}`;
  const made = makeProject(files);
  cleanups.push(made.remove);
  return made.root;
}

function daemon(root: string): DaemonProcess {
  const started = startDaemon(root, ["--grace", "5"]);
  cleanups.push(() => {
    if (started.child.pid !== undefined && isRunning(started.child.pid)) started.child.kill("SIGKILL");
  });
  return started;
}

async function stop(running: DaemonProcess): Promise<void> {
  running.child.kill("SIGTERM");
  expect(await running.exited, running.output()).toEqual({ code: 0, signal: null });
}

const shell = (command: string) => `steps:\n  - { name: work, type: shell, command: "${command}" }\n`;

interface Run {
  started: RunStartedEvent;
  final: RunEvent | undefined;
}

/** Every run of a job, oldest first: its run_started and its final event. */
function runsOf(root: string, jobId: string): Run[] {
  return runLogs(root, jobId).map((events) => ({
    started: events[0] as RunStartedEvent,
    final: events.find((event) => event.event === "run_succeeded" || event.event === "run_failed" || event.event === "run_interrupted"),
  }));
}

const countRuns = (root: string, jobId: string) => {
  try {
    return readdirSync(join(root, "runs", jobId)).filter((name) => name.endsWith(".ndjson")).length;
  } catch {
    return 0;
  }
};

const instant = (iso: string | null | undefined) => Date.parse(iso ?? "");

describe("chained jobs in the daemon", () => {
  it("fires a chain of three where the middle job fails: the on: failure branch once per logical date, the on: success branch never", async () => {
    const root = project({
      extract: `schedule: { cron: "*/2 * * * * *", timezone: Europe/Paris }\n${shell("echo extracted")}`,
      stock: `schedule: { cron: "*/2 * * * * *", timezone: Europe/Paris }\n${shell("sleep 0.3")}`,
      transform: `trigger: { after: [extract] }\n${shell("echo transform ${run.scheduled_for} from ${run.interval_start}; exit 1")}`,
      cleanup: `trigger: { after: [transform], on: failure }\n${shell("echo cleanup")}`,
      publish: `trigger: { after: [transform], on: success }\n${shell("echo publish")}`,
      summary: `trigger: { after: [extract, stock], on: always }\n${shell("echo summary")}`,
    });
    const running = daemon(root);
    await running.waitFor((line) => line.event === "daemon_started", START_TIMEOUT_MS);
    expect(running.events("daemon_started")[0]).toMatchObject({ scheduled: 2, chained: 4 });
    expect(await eventually(() => countRuns(root, "cleanup") >= 3 && countRuns(root, "summary") >= 3, 30_000), running.output()).toBe(true);
    await stop(running);

    const extract = runsOf(root, "extract");
    const stock = runsOf(root, "stock");
    const transform = runsOf(root, "transform");
    const cleanup = runsOf(root, "cleanup");
    const summary = runsOf(root, "summary");
    expect(countRuns(root, "publish")).toBe(0);
    // Every chained run is for the logical date of the runs it followed, and says which they were.
    for (const run of transform) {
      const upstream = extract.find((candidate) => candidate.started.run_id === run.started.after_runs?.[0]?.run_id)!;
      expect(run.started).toMatchObject({
        trigger: "chain",
        scheduled_for: upstream.started.scheduled_for,
        interval_start: upstream.started.interval_start,
        after_runs: [{ job_id: "extract", run_id: upstream.started.run_id, status: "succeeded" }],
      });
      expect(run.final?.event).toBe("run_failed");
    }
    for (const run of cleanup) {
      const upstream = transform.find((candidate) => candidate.started.run_id === run.started.after_runs?.[0]?.run_id)!;
      expect(run.started).toMatchObject({ trigger: "chain", scheduled_for: upstream.started.scheduled_for });
      expect(run.started.after_runs).toEqual([{ job_id: "transform", run_id: upstream.started.run_id, status: "failed" }]);
      expect(run.final?.event).toBe("run_succeeded");
    }
    // Exactly once per logical date: one transform for each extract that ended, one cleanup for each transform.
    const dates = (runs: Run[]) => runs.map((run) => instant(run.started.scheduled_for));
    const once = (runs: Run[]) => expect(new Set(dates(runs)).size).toBe(runs.length);
    once(transform);
    once(cleanup);
    once(summary);
    const finishedExtracts = extract.filter((run) => run.final?.event === "run_succeeded");
    expect(dates(transform).sort()).toEqual(dates(finishedExtracts).sort());
    expect(dates(cleanup).sort()).toEqual(dates(transform).sort());
    // A job after two waits for both: the summary of a date follows that date's extract and stock.
    for (const run of summary) {
      const at = instant(run.started.scheduled_for);
      const both = [extract, stock].map((runs) => runs.find((candidate) => instant(candidate.started.scheduled_for) === at)!);
      expect(run.started.after_runs).toEqual([
        { job_id: "extract", run_id: both[0]!.started.run_id, status: "succeeded" },
        { job_id: "stock", run_id: both[1]!.started.run_id, status: "succeeded" },
      ]);
      for (const upstream of both) expect(Date.parse(run.started.ts)).toBeGreaterThanOrEqual(Date.parse(upstream.final!.ts));
    }
    // The log's contract: every event of the chained runs, after_runs included, matches the RunEvent schema.
    const validate = createAjv().compile(RunEvent);
    for (const events of [...runLogs(root, "transform"), ...runLogs(root, "cleanup"), ...runLogs(root, "summary")]) {
      for (const event of events) expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
    }
    // The daemon says why publish did not start, once per date.
    const skipped = running.events("chain_skipped", "publish");
    expect(skipped.length).toBe(transform.length);
    expect(skipped[0]).toMatchObject({ on: "success", after: "transform:failed" });
    expect(running.events("chained", "cleanup").length).toBe(cleanup.length);
  }, 90_000);

  it("under concurrency: forbid, a chained run waits for the job's previous run instead of being skipped: every date runs, once", async () => {
    const root = project({
      tick: `schedule: { cron: "* * * * * *", timezone: UTC }\nconcurrency: allow\n${shell("true")}`,
      slow: `trigger: { after: [tick] }\nconcurrency: forbid\n${shell("sleep 1.5")}`,
    });
    const running = daemon(root);
    await running.waitFor((line) => line.event === "daemon_started", START_TIMEOUT_MS);
    await running.waitFor((line) => line.event === "chain_waiting" && line.job === "slow", 20_000);
    expect(await eventually(() => countRuns(root, "slow") >= 3, 30_000), running.output()).toBe(true);
    running.child.kill("SIGTERM");
    await running.exited;

    const slow = runsOf(root, "slow");
    const ticks = runsOf(root, "tick");
    expect(running.events("chain_waiting", "slow")[0]).toMatchObject({ reason: "still_running" });
    expect(running.events("skipped", "slow")).toEqual([]);
    // The slow runs never overlap, and each is for a date of its own, in the order of the dates.
    for (let index = 1; index < slow.length; index++) {
      expect(Date.parse(slow[index]!.started.ts)).toBeGreaterThanOrEqual(Date.parse(slow[index - 1]!.final!.ts));
      expect(instant(slow[index]!.started.scheduled_for)).toBeGreaterThan(instant(slow[index - 1]!.started.scheduled_for));
    }
    const dates = new Set(slow.map((run) => instant(run.started.scheduled_for)));
    expect(dates.size).toBe(slow.length);
    for (const date of dates) expect(ticks.some((run) => instant(run.started.scheduled_for) === date)).toBe(true);
  }, 60_000);

  it("fires after a run by hand, once per logical date, and catches up a run that ended while no daemon ran", async () => {
    const root = project({
      load: `schedule: { cron: "0 2 * * *", timezone: Europe/Paris }\n${shell("echo load")}`,
      report: `trigger: { after: [load] }\n${shell("echo report ${run.scheduled_for:date} from ${run.interval_start}")}`,
    });
    // Daemon down: a run by hand for 5 December, then a daemon starts and catches it up.
    expect((await runCli(["run", "load", "--for", "2026-12-05"], { cwd: root })).code).toBe(0);
    const first = daemon(root);
    await first.waitFor((line) => line.event === "chained" && line.job === "report", START_TIMEOUT_MS);
    expect(first.events("chained", "report")[0]).toMatchObject({ scheduled_for: "2026-12-05T02:00:00+01:00" });

    // With the daemon up: a run by hand for the 4th fires the report within a second or two; a
    // second run of the 4th does not fire it again.
    expect((await runCli(["run", "load", "--for", "2026-12-04"], { cwd: root })).code).toBe(0);
    await first.waitFor((line) => line.event === "chained" && line.scheduled_for === "2026-12-04T02:00:00+01:00", 10_000);
    await first.waitFor((line) => line.event === "run_finished" && line.job === "report" && first.events("run_finished", "report").length === 2, 10_000);
    expect((await runCli(["run", "load", "--for", "2026-12-04"], { cwd: root })).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await stop(first);

    // A new daemon does not fire either date again.
    const second = daemon(root);
    await second.waitFor((line) => line.event === "daemon_started", START_TIMEOUT_MS);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await stop(second);
    expect(second.events("chained")).toEqual([]);

    const reports = runsOf(root, "report");
    expect(reports.map((run) => run.started.scheduled_for)).toEqual(["2026-12-05T02:00:00+01:00", "2026-12-04T02:00:00+01:00"]);
    expect(reports[0]!.started).toMatchObject({ trigger: "chain", interval_start: "2026-12-04T02:00:00+01:00", interval_end: "2026-12-05T02:00:00+01:00" });
    const loads = runsOf(root, "load");
    expect(reports[1]!.started.after_runs).toEqual([{ job_id: "load", run_id: loads[1]!.started.run_id, status: "succeeded" }]);
  }, 90_000);
});
