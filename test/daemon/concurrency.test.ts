/**
 * Overlap (DESIGN 6.3): `concurrency: forbid` skips a fire while the job's previous run is still
 * going (logged and counted); `allow` starts another; different jobs always run side by side.
 * Reload on the scheduler: changed schedules take effect, removed jobs stop, runs carry on.
 */
import { unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "./fakeClock.js";
import { jobYaml, loadJobs, TestDaemon, writeProject, type JobSpec } from "./schedulerHarness.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function start(jobs: Record<string, JobSpec>, at: string, maxRuns?: number) {
  const made = writeProject(jobs);
  cleanups.push(made.remove);
  const clock = new FakeClock(at);
  const daemon = await TestDaemon.start(made.root, clock, { launcher: "record", autoFinish: false, heartbeatMs: 60_000, maxRuns });
  cleanups.push(() => daemon.stop());
  return { root: made.root, clock, daemon };
}

const fired = (daemon: TestDaemon, job: string) => daemon.fires.filter((fire) => fire.daemonJob.job.id === job).map((fire) => fire.scheduledFor);

describe("concurrency", () => {
  it("forbid skips a fire while the previous run goes, logs and counts it, and fires again once it ended", async () => {
    const { clock, daemon } = await start({ minutely: { cron: "* * * * *", concurrency: "forbid" } }, "2027-01-01T00:00:30Z");
    await clock.runUntil("2027-01-01T00:02:30Z");
    expect(fired(daemon, "minutely")).toEqual(["2027-01-01T00:01:00+00:00"]);
    expect(daemon.events("skipped")).toMatchObject([
      { job: "minutely", scheduled_for: "2027-01-01T00:02:00+00:00", reason: "still_running", running: daemon.fires[0]!.runId },
    ]);
    expect(daemon.metrics.render()).toContain('nomaflow_fires_skipped_total{job="minutely"} 1');

    daemon.fires[0]!.finish();
    await clock.runUntil("2027-01-01T00:03:00Z");
    expect(fired(daemon, "minutely")).toEqual(["2027-01-01T00:01:00+00:00", "2027-01-01T00:03:00+00:00"]);
    expect(daemon.events("run_finished")).toMatchObject([{ job: "minutely", run: daemon.fires[0]!.runId, status: "succeeded" }]);
  });

  it("allow starts a run while the previous one still goes", async () => {
    const { clock, daemon } = await start({ minutely: { cron: "* * * * *", concurrency: "allow" } }, "2027-01-01T00:00:30Z");
    await clock.runUntil("2027-01-01T00:03:00Z");
    expect(fired(daemon, "minutely")).toEqual(["2027-01-01T00:01:00+00:00", "2027-01-01T00:02:00+00:00", "2027-01-01T00:03:00+00:00"]);
    expect(daemon.scheduler.runningCount).toBe(3);
    expect(daemon.events("skipped")).toEqual([]);
  });

  it("runs different jobs in parallel, each at its instant", async () => {
    const jobs: Record<string, JobSpec> = {};
    for (let index = 0; index < 50; index++) jobs[`job-${index}`] = { cron: "0 * * * *" };
    const { clock, daemon } = await start(jobs, "2027-01-01T00:59:00Z");
    await clock.runUntil("2027-01-01T01:00:00Z");
    expect(daemon.fires).toHaveLength(50);
    expect(daemon.scheduler.runningCount).toBe(50);
    expect(new Set(daemon.fires.map((fire) => fire.launchedAt))).toEqual(new Set([Date.parse("2027-01-01T01:00:00Z")]));
  });
});

describe("reload on the scheduler", () => {
  it("a changed schedule takes effect, a removed job stops firing, and a run of the removed job carries on", async () => {
    const { root, clock, daemon } = await start(
      { keep: { cron: "*/10 * * * *", concurrency: "allow" }, change: { cron: "0 * * * *", concurrency: "allow" }, remove: { cron: "*/10 * * * *" } },
      "2027-01-01T00:05:00Z",
    );
    await clock.runUntil("2027-01-01T00:10:00Z");
    expect(daemon.scheduler.runningCount).toBe(2);

    writeFileSync(join(root, "jobs", "change.yaml"), jobYaml("change", { cron: "*/15 * * * *", concurrency: "allow" }));
    unlinkSync(join(root, "jobs", "remove.yaml"));
    const changes = daemon.scheduler.replaceJobs(await loadJobs(root));
    expect(changes).toEqual({ added: [], changed: ["change"], unscheduled: ["remove"], scheduled: 2 });

    await clock.runUntil("2027-01-01T00:30:00Z");
    expect(fired(daemon, "keep")).toEqual(["2027-01-01T00:10:00+00:00", "2027-01-01T00:20:00+00:00", "2027-01-01T00:30:00+00:00"]);
    expect(fired(daemon, "change")).toEqual(["2027-01-01T00:15:00+00:00", "2027-01-01T00:30:00+00:00"]);
    expect(fired(daemon, "remove")).toEqual(["2027-01-01T00:10:00+00:00"]);
    // The removed job's run was not touched, and its end is still recorded.
    const removedRun = daemon.fires.find((fire) => fire.daemonJob.job.id === "remove")!;
    removedRun.finish();
    await clock.settle();
    expect(daemon.events("run_finished", "remove")).toMatchObject([{ status: "succeeded" }]);
    expect(daemon.metrics.render()).not.toContain('nomaflow_next_fire_timestamp_seconds{job="remove"}');
  });

  it("a disabled job is not scheduled; enabling it on reload schedules it from now on", async () => {
    const { root, clock, daemon } = await start({ off: { cron: "*/10 * * * *", enabled: false } }, "2027-01-01T00:05:00Z");
    await clock.runUntil("2027-01-01T00:25:00Z");
    expect(daemon.fires).toEqual([]);
    writeFileSync(join(root, "jobs", "off.yaml"), jobYaml("off", { cron: "*/10 * * * *" }));
    expect(daemon.scheduler.replaceJobs(await loadJobs(root))).toMatchObject({ added: ["off"] });
    await clock.runUntil("2027-01-01T00:30:00Z");
    expect(fired(daemon, "off")).toEqual(["2027-01-01T00:30:00+00:00"]);
  });

  it("--max-runs: a fire past the cap waits, late rather than lost, and starts when a run ends, as the fire it was", async () => {
    const jobs = { a: { cron: "0 * * * *" }, b: { cron: "0 * * * *" }, c: { cron: "0 * * * *" } };
    const { clock, daemon } = await start(jobs, "2027-01-01T00:59:00Z", 2);
    await clock.runUntil("2027-01-01T01:00:01Z");
    expect(daemon.fires).toHaveLength(2);
    const waiting = ["a", "b", "c"].find((id) => fired(daemon, id).length === 0)!;
    expect(daemon.events("queued")).toMatchObject([{ job: waiting, scheduled_for: "2027-01-01T01:00:00+00:00", running: 2, max_runs: 2, position: 1 }]);
    // The third fire is held, not missed, while both slots are taken.
    await clock.runUntil("2027-01-01T01:00:30Z");
    expect(daemon.fires).toHaveLength(2);
    expect(daemon.events("missed")).toEqual([]);
    daemon.fires[0]!.finish();
    await clock.settle();
    expect(fired(daemon, waiting)).toEqual(["2027-01-01T01:00:00+00:00"]);
    const late = daemon.fires.find((fire) => fire.daemonJob.job.id === waiting)!;
    // On time when it came due: waiting for a slot does not make it a catch-up.
    expect(late.trigger).toBe("schedule");
    expect(daemon.events("fired", waiting)).toMatchObject([{ queued_ms: 30_000 }]);
    expect(daemon.events("caught_up")).toEqual([]);
  });

  it("max runs: queued fires start in fire order as runs end, however long they wait, and the metrics show the queue", async () => {
    const jobs: Record<string, JobSpec> = {
      long: { cron: "1 0 * * *" },
      b: { cron: "2-4/2 0 * * *", concurrency: "allow", graceMinutes: 1 },
      c: { cron: "3 0 * * *", graceMinutes: 1 },
    };
    const { clock, daemon } = await start(jobs, "2027-01-01T00:00:30Z", 1);
    await clock.runUntil("2027-01-01T00:10:00Z");
    const order = () => daemon.fires.map((fire) => `${fire.daemonJob.job.id} ${fire.scheduledFor.slice(11, 16)} ${fire.trigger}`);
    expect(order()).toEqual(["long 00:01 schedule"]);
    expect(daemon.events("queued").map((line) => [line.job, line.position])).toEqual([
      ["b", 1],
      ["c", 2],
      ["b", 3],
    ]);
    let metrics = daemon.metrics.render();
    expect(metrics).toContain("nomaflow_runs_running 1\n");
    expect(metrics).toContain("nomaflow_runs_queued 3\n");

    // Each run that ends lets the oldest waiting fire start; ten minutes is past their grace, yet none is missed.
    for (let index = 1; index <= 3; index++) {
      daemon.fires[index - 1]!.finish();
      await clock.settle();
      expect(daemon.fires).toHaveLength(index + 1);
    }
    expect(order()).toEqual(["long 00:01 schedule", "b 00:02 schedule", "c 00:03 schedule", "b 00:04 schedule"]);
    expect(daemon.events("fired").map((line) => line.queued_ms)).toEqual([undefined, 480_000, 420_000, 360_000]);
    expect(daemon.events("missed")).toEqual([]);
    expect(daemon.events("caught_up")).toEqual([]);
    metrics = daemon.metrics.render();
    expect(metrics).toContain("nomaflow_runs_running 1\n");
    expect(metrics).toContain("nomaflow_runs_queued 0\n");
    expect(metrics).toContain('nomaflow_run_queue_seconds_bucket{le="0.5"} 1\n');
    expect(metrics).toContain('nomaflow_run_queue_seconds_bucket{le="300"} 1\n');
    expect(metrics).toContain('nomaflow_run_queue_seconds_bucket{le="900"} 4\n');
    expect(metrics).toContain("nomaflow_run_queue_seconds_sum 1260\n");
    expect(metrics).toContain("nomaflow_run_queue_seconds_count 4\n");
  });

  it("max runs: a queued fire of a forbid job whose run still goes is skipped at its turn, and the slot goes to the next", async () => {
    const jobs: Record<string, JobSpec> = { a: { cron: "*/2 0 * * *" }, b: { cron: "1 0 * * *" }, c: { cron: "1 0 * * *" }, d: { cron: "5 0 * * *" } };
    const { clock, daemon } = await start(jobs, "2027-01-01T00:00:30Z", 2);
    await clock.runUntil("2027-01-01T00:02:30Z");
    expect(daemon.events("queued").map((line) => line.job)).toEqual(["a"]);
    daemon.fires.find((fire) => fire.daemonJob.job.id === "b")!.finish();
    await clock.settle();
    const first = daemon.fires.find((fire) => fire.daemonJob.job.id === "a")!;
    expect(first.scheduledFor).toBe("2027-01-01T00:02:00+00:00");
    // a's 00:04 fire and d's 00:05 wait behind c and a's own run.
    await clock.runUntil("2027-01-01T00:05:30Z");
    expect(daemon.events("queued").map((line) => line.job)).toEqual(["a", "a", "d"]);
    daemon.fires.find((fire) => fire.daemonJob.job.id === "c")!.finish();
    await clock.settle();
    expect(daemon.events("skipped", "a")).toMatchObject([{ scheduled_for: "2027-01-01T00:04:00+00:00", reason: "still_running", running: first.runId }]);
    expect(fired(daemon, "d")).toEqual(["2027-01-01T00:05:00+00:00"]);
    expect(daemon.scheduler.queuedCount).toBe(0);
  });

  it("stopping lets the queued fires go, saying how many", async () => {
    const jobs: Record<string, JobSpec> = { a: { cron: "1 0 * * *" }, b: { cron: "2 0 * * *" } };
    const { clock, daemon } = await start(jobs, "2027-01-01T00:00:30Z", 1);
    await clock.runUntil("2027-01-01T00:02:30Z");
    expect(daemon.scheduler.queuedCount).toBe(1);
    daemon.scheduler.stop();
    expect(daemon.scheduler.queuedCount).toBe(0);
    expect(daemon.events("queue_dropped")).toMatchObject([{ fires: 1, reason: "the daemon is stopping" }]);
    expect(daemon.metrics.render()).toContain("nomaflow_runs_queued 0\n");
  });
});
