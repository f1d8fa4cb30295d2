/**
 * The daemon's housekeeping: run-log retention swept at start and then once an hour (on an injected
 * clock, then in the real process), and `daemon.max_concurrent_runs` in the real process: fires past
 * it wait in the queue, which /metrics shows, and `--max-runs` overrides it.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DaemonLog } from "../../src/daemon/daemonLog.js";
import { RetentionSweep } from "../../src/daemon/retentionSweep.js";
import { writeSampleRun } from "../run-logs/sampleRun.js";
import { isRunning } from "../support/processState.js";
import { makeProject } from "../support/tempProject.js";
import { startDaemon, type DaemonProcess } from "./daemonProcess.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function project(files: Record<string, string>): string {
  const made = makeProject({ "nomaflow.yaml": "runs_dir: runs\n", ...files });
  cleanups.push(made.remove);
  return made.root;
}

function daemon(root: string, args: string[] = []): DaemonProcess {
  const started = startDaemon(root, args);
  cleanups.push(() => {
    if (started.child.pid !== undefined && isRunning(started.child.pid)) started.child.kill("SIGKILL");
  });
  return started;
}

const DAY = 86_400_000;
const logCount = (runsDir: string, job: string) => readdirSync(join(runsDir, job)).length;

describe("the retention sweep", () => {
  it("prunes at its first tick, then not again before an hour has passed, then again", async () => {
    const root = project({});
    const runsDir = join(root, "runs");
    let now = Date.parse("2027-03-01T12:00:00Z");
    const write = (count: number) => {
      for (let index = 0; index < count; index++) writeSampleRun(runsDir, { jobId: "tick", start: new Date(now - DAY + index * 1000), final: "run_succeeded" });
    };
    const lines: Record<string, unknown>[] = [];
    const log = new DaemonLog({
      format: "json",
      out: (line) => lines.push(JSON.parse(line)),
      err: (line) => lines.push(JSON.parse(line)),
      now: () => now,
      syslogPrefix: false,
    });
    const sweep = new RetentionSweep({ runsDir, retentionOf: () => () => ({ days: undefined, keepLast: 2 }), log, now: () => now });
    write(5);
    sweep.startIfDue();
    await sweep.settled();
    expect(logCount(runsDir, "tick")).toBe(2);
    expect(lines).toMatchObject([{ event: "runs_pruned", removed: 3, jobs: "tick:3" }]);
    expect(lines[0]!.bytes).toBeGreaterThan(1000);

    write(3);
    now += 59 * 60_000;
    sweep.startIfDue();
    await sweep.settled();
    expect(logCount(runsDir, "tick")).toBe(5);
    now += 60_000;
    sweep.startIfDue();
    await sweep.settled();
    expect(logCount(runsDir, "tick")).toBe(2);
    expect(lines.map((line) => line.removed)).toEqual([3, 3]);
  });
});

describe("nomaflow daemon, the real process", () => {
  it("applies runs_retention when it starts, saying what it removed; a reload keeps the run limit it started with", async () => {
    const root = project({
      "jobs/tick.yaml": 'id: tick\nruns_retention: { keep_last: 2 }\nsteps:\n  - { name: a, type: shell, command: "true" }\n',
      "jobs/keep.yaml": 'id: keep\nsteps:\n  - { name: a, type: shell, command: "true" }\n',
    });
    const runsDir = join(root, "runs");
    for (let index = 0; index < 5; index++) {
      writeSampleRun(runsDir, { jobId: "tick", start: new Date(Date.now() - 3 * DAY + index * 1000), final: "run_succeeded" });
      writeSampleRun(runsDir, { jobId: "keep", start: new Date(Date.now() - 3 * DAY + index * 1000), final: "run_succeeded" });
    }
    const running = daemon(root);
    const pruned = await running.waitFor((line) => line.event === "runs_pruned");
    expect(pruned).toMatchObject({ level: "info", removed: 3, jobs: "tick:3" });
    expect(logCount(runsDir, "tick")).toBe(2);
    expect(logCount(runsDir, "keep")).toBe(5);

    // A reload does not change the run limit read at start: it says so.
    writeFileSync(join(root, "nomaflow.yaml"), "runs_dir: runs\ndaemon: { max_concurrent_runs: 2 }\n");
    running.child.kill("SIGHUP");
    expect(await running.waitFor((line) => line.event === "reload_kept")).toMatchObject({
      level: "warn",
      setting: "daemon.max_concurrent_runs",
      file: 2,
      kept: "none",
      hint: "restart the daemon to apply it",
    });
    running.child.kill("SIGTERM");
    expect(await running.exited).toEqual({ code: 0, signal: null });
  });

  it("daemon.max_concurrent_runs holds fires past it in the queue, which /metrics shows; --max-runs overrides it", async () => {
    const root = project({
      "nomaflow.yaml": "runs_dir: runs\ndaemon: { max_concurrent_runs: 1 }\n",
      "jobs/a.yaml": 'id: a\nschedule: { cron: "* * * * * *" }\nconcurrency: allow\nsteps:\n  - { name: wait, type: shell, command: "sleep 3" }\n',
      "jobs/b.yaml": 'id: b\nschedule: { cron: "* * * * * *" }\nconcurrency: allow\nsteps:\n  - { name: wait, type: shell, command: "sleep 3" }\n',
    });
    const running = daemon(root, ["--http", "127.0.0.1:0"]);
    const started = await running.waitFor((line) => line.event === "daemon_started");
    expect(started.max_runs).toBe(1);
    await running.waitFor((line) => line.event === "queued");
    const metrics = await (await fetch(`${String(started.http)}/metrics`)).text();
    expect(metrics).toMatch(/^nomaflow_runs_running 1$/m);
    expect(Number(/^nomaflow_runs_queued (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(running.events("missed")).toEqual([]);
    running.child.kill("SIGTERM");
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(running.events("queue_dropped")[0]).toMatchObject({ reason: "the daemon is stopping" });

    const flagged = daemon(root, ["--max-runs", "3"]);
    expect((await flagged.waitFor((line) => line.event === "daemon_started")).max_runs).toBe(3);
    flagged.child.kill("SIGTERM");
    await flagged.exited;
  });
});
