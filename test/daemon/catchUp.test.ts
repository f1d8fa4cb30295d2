/**
 * Downtime, restarts and clock jumps (DESIGN 6.3) on an injected clock: the latest missed fire
 * within misfire_grace_minutes runs once as `catchup`, older ones are logged as missed, and no
 * scheduled time fires twice, across restarts too (the run logs are the record).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunStartedEvent } from "../../src/run-logs/runEvents.js";
import { exitedPid } from "../run-logs/sampleRun.js";
import { eventually } from "../support/processState.js";
import { FakeClock } from "./fakeClock.js";
import { TestDaemon, writeProject, type JobSpec } from "./schedulerHarness.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function project(jobs: Record<string, JobSpec>): string {
  const made = writeProject(jobs);
  cleanups.push(made.remove);
  return made.root;
}

async function daemon(root: string, clock: FakeClock, options: Partial<Parameters<typeof TestDaemon.start>[2]> = {}): Promise<TestDaemon> {
  const started = await TestDaemon.start(root, clock, { launcher: "record", heartbeatMs: 60_000, ...options });
  cleanups.push(() => started.stop());
  return started;
}

/** run_started of every run log of a job, oldest first. */
function runStarts(root: string, job: string): RunStartedEvent[] {
  const folder = join(root, "runs", job);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .sort()
    .map((file) => JSON.parse(readFileSync(join(folder, file), "utf8").split("\n")[0]!) as RunStartedEvent);
}

const firesOf = (daemons: TestDaemon[]) => daemons.flatMap((one) => one.fires.map((fire) => `${fire.trigger} ${fire.scheduledFor}`));

describe("catch-up after downtime", () => {
  it("runs the latest missed fire once as catchup when it is within the grace, and logs the older ones as missed", async () => {
    const root = project({ hourly: { cron: "0 * * * *", graceMinutes: 90 } });
    const clock = new FakeClock("2027-01-01T00:30:00Z");
    const first = await daemon(root, clock);
    await clock.runUntil("2027-01-01T02:10:00Z");
    await first.stop();

    clock.set("2027-01-01T05:20:00Z");
    const second = await daemon(root, clock);
    await clock.runUntil("2027-01-01T06:00:00Z");

    expect(firesOf([first, second])).toEqual([
      "schedule 2027-01-01T01:00:00+00:00",
      "schedule 2027-01-01T02:00:00+00:00",
      "catchup 2027-01-01T05:00:00+00:00",
      "schedule 2027-01-01T06:00:00+00:00",
    ]);
    expect(second.fires[0]!.launchedAt).toBe(Date.parse("2027-01-01T05:20:00Z"));
    expect(second.events("missed")).toMatchObject([{ job: "hourly", count: 2, first: "2027-01-01T03:00:00+00:00", grace_minutes: 90 }]);
    expect(second.events("caught_up")).toMatchObject([{ job: "hourly", scheduled_for: "2027-01-01T05:00:00+00:00", late_ms: 20 * 60_000 }]);
    expect(second.metrics.render()).toContain('nomaflow_fires_missed_total{job="hourly"} 2');
  });

  it("runs nothing when the latest missed fire is beyond the grace, logs every miss, and fires on time again after", async () => {
    const root = project({ nightly: { cron: "0 2 * * *", timezone: "Europe/Paris", graceMinutes: 60 } });
    const clock = new FakeClock("2027-01-01T00:00:00Z");
    const first = await daemon(root, clock);
    await clock.runUntil("2027-01-01T03:00:00Z");
    await first.stop();

    clock.set("2027-01-03T03:30:00Z"); // 04:30 in Paris: 150 minutes after the 02:00 fire
    const second = await daemon(root, clock);
    await clock.runUntil("2027-01-04T02:00:00Z");

    expect(firesOf([first, second])).toEqual(["schedule 2027-01-01T02:00:00+01:00", "schedule 2027-01-04T02:00:00+01:00"]);
    expect(second.events("missed")).toMatchObject([
      { job: "nightly", count: 2, first: "2027-01-02T02:00:00+01:00", last: "2027-01-03T02:00:00+01:00", grace_minutes: 60 },
    ]);
    expect(second.metrics.render()).toContain('nomaflow_fires_missed_total{job="nightly"} 2');

    // The misses were decided: a third start does not log them again.
    await second.stop();
    const third = await daemon(root, clock);
    await clock.runUntil("2027-01-04T03:00:00Z");
    expect(third.events("missed")).toEqual([]);
    expect(third.fires).toEqual([]);
  });

  it("catches nothing up from the beginning of time: a first start fires from now on", async () => {
    const root = project({ hourly: { cron: "0 * * * *", graceMinutes: 600 } });
    const clock = new FakeClock("2027-01-01T05:20:00Z");
    const only = await daemon(root, clock);
    await clock.runUntil("2027-01-01T06:00:00Z");
    expect(firesOf([only])).toEqual(["schedule 2027-01-01T06:00:00+00:00"]);
    expect(only.events("missed")).toEqual([]);
  });

  it("a job never fired yet catches up from the previous daemon's last sign of life", async () => {
    const root = project({ nightly: { cron: "0 2 * * *", graceMinutes: 60 } });
    const clock = new FakeClock("2027-01-01T01:00:00Z");
    const first = await daemon(root, clock);
    await clock.runUntil("2027-01-01T01:50:00Z");
    await first.stop();
    clock.set("2027-01-01T02:30:00Z");
    const second = await daemon(root, clock);
    expect(firesOf([first, second])).toEqual(["catchup 2027-01-01T02:00:00+00:00"]);
  });

  it("a job never fired looks back from the previous daemon's stop no further than its grace", async () => {
    const root = project({ hourly: { cron: "0 * * * *", graceMinutes: 60 } });
    const clock = new FakeClock("2027-01-01T00:00:00Z");
    await (await daemon(root, clock)).stop();
    clock.set("2027-01-04T05:20:00Z");
    const second = await daemon(root, clock);
    expect(firesOf([second])).toEqual(["catchup 2027-01-04T05:00:00+00:00"]);
    expect(second.events("missed")).toEqual([]);
  });
});

describe("no scheduled time fires twice", () => {
  it("after a clean restart, even without the daemon's state file: the run logs are the record", async () => {
    const root = project({ hourly: { cron: "0 * * * *", graceMinutes: 120 } });
    const clock = new FakeClock("2027-01-01T00:59:00Z");
    const first = await daemon(root, clock, { launcher: "real" });
    await clock.runUntil("2027-01-01T01:00:30Z");
    await first.stop();
    rmSync(join(root, "runs", ".daemon-state.json"));

    clock.set("2027-01-01T01:00:40Z");
    const second = await daemon(root, clock, { launcher: "real" });
    await clock.runUntil("2027-01-01T02:00:00Z");
    await second.stop();

    expect(runStarts(root, "hourly").map((event) => `${event.trigger} ${event.scheduled_for}`)).toEqual([
      "schedule 2027-01-01T01:00:00+00:00",
      "schedule 2027-01-01T02:00:00+00:00",
    ]);
    expect(second.events("caught_up")).toEqual([]);
  });

  it("after a crash mid-run: the run reads abandoned, is reported once, and its scheduled time is not fired again", async () => {
    const root = project({ hourly: { cron: "0 * * * *", graceMinutes: 120, behaviour: "hang" } });
    const clock = new FakeClock("2027-01-01T00:59:00Z");
    // The crashed daemon's lock names a pid that is gone, as after a real SIGKILL.
    const crashed = await daemon(root, clock, { launcher: "real", pid: await exitedPid() });
    await clock.runUntil("2027-01-01T01:00:05Z");
    // The run log is created in the background: the run has really started once it exists.
    const logs = join(root, "runs", "hourly");
    const started = () => existsSync(logs) && readdirSync(logs).some((name) => readFileSync(join(logs, name), "utf8").includes('"step_started"'));
    expect(await eventually(started)).toBe(true);
    await crashed.crash();
    expect(crashed.scheduler.runningCount).toBe(1);

    clock.set("2027-01-01T01:10:00Z");
    const restarted = await daemon(root, clock, { launcher: "real" });
    expect(restarted.events("abandoned")).toMatchObject([{ job: "hourly", trigger: "schedule", scheduled_for: "2027-01-01T01:00:00+00:00", step: "work" }]);
    expect(restarted.metrics.render()).toContain('nomaflow_runs_total{job="hourly",status="abandoned"} 1');
    expect(restarted.fires).toEqual([]);
    expect(restarted.events("caught_up")).toEqual([]);
    await restarted.stop();

    clock.set("2027-01-01T01:20:00Z");
    const again = await daemon(root, clock, { launcher: "real" });
    expect(again.events("abandoned")).toEqual([]);
    await again.stop();
    crashed.interrupt.abort();
    await crashed.scheduler.settled();
    expect(runStarts(root, "hourly").map((event) => event.scheduled_for)).toEqual(["2027-01-01T01:00:00+00:00"]);
  });
});

describe("jumps of the wall clock", () => {
  it("a jump forward is noticed and handled as downtime: the latest fire within the grace is caught up", async () => {
    const root = project({ hourly: { cron: "0 * * * *", graceMinutes: 45 } });
    const clock = new FakeClock("2027-01-01T00:30:00Z");
    const only = await daemon(root, clock, { heartbeatMs: 1000 });
    await clock.runUntil("2027-01-01T00:59:59Z");
    clock.set("2027-01-01T03:30:00Z");
    await clock.runUntil("2027-01-01T03:30:01Z");
    expect(firesOf([only])).toEqual(["catchup 2027-01-01T03:00:00+00:00"]);
    expect(only.events("clock_jump")).toMatchObject([{ direction: "forward" }]);
    expect(only.events("missed")).toMatchObject([{ count: 2, first: "2027-01-01T01:00:00+00:00" }]);
  });

  it("after a stall, fires another daemon decided meanwhile are not reported missed: only those nobody decided", async () => {
    const root = project({ hourly: { cron: "0 * * * *", graceMinutes: 45 } });
    const clock = new FakeClock("2027-01-01T00:30:00Z");
    const only = await daemon(root, clock, { heartbeatMs: 1000 });
    await clock.runUntil("2027-01-01T00:59:59Z");
    // While this daemon's loop stood still, another one decided 01:00 and 02:00 (through the same store).
    expect((await only.store.claimFires([{ jobId: "hourly", scheduledForMs: Date.parse("2027-01-01T02:00:00Z") }]))[0]!.claimed).toBe(true);
    clock.set("2027-01-01T04:30:00Z");
    await clock.runUntil("2027-01-01T04:30:01Z");
    expect(firesOf([only])).toEqual(["catchup 2027-01-01T04:00:00+00:00"]);
    expect(only.events("missed")).toMatchObject([{ count: 1, first: "2027-01-01T03:00:00+00:00" }]);
    expect(only.metrics.render()).toContain('nomaflow_fires_missed_total{job="hourly"} 1\n');
  });

  it("a jump backward does not fire a scheduled time again", async () => {
    const root = project({ hourly: { cron: "0 * * * *" } });
    const clock = new FakeClock("2027-01-01T00:59:00Z");
    const only = await daemon(root, clock, { heartbeatMs: 1000 });
    await clock.runUntil("2027-01-01T01:00:10Z");
    clock.set("2027-01-01T00:30:00Z");
    await clock.runUntil("2027-01-01T02:00:00Z");
    expect(firesOf([only])).toEqual(["schedule 2027-01-01T01:00:00+00:00", "schedule 2027-01-01T02:00:00+00:00"]);
    expect(only.events("clock_jump")).toMatchObject([{ direction: "backward" }]);
  });
});
