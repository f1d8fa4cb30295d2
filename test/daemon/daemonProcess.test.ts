/**
 * The real `nomaflow daemon` process (the built bin), on a 6-field (seconds) schedule: it fires on
 * time, reloads on SIGHUP, stops cleanly on SIGTERM mid-run, and after a SIGKILL mid-run the next
 * daemon reports the abandoned run once (log line and alert) without firing its time again.
 * These tests wait for real, a few seconds each: for the daemon's log lines, not for fixed times.
 */
import { unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { RunStartedEvent } from "../../src/run-logs/runEvents.js";
import { receiverForTest } from "../support/httpReceiver.js";
import { eventually, isRunning } from "../support/processState.js";
import { makeProject, runCli } from "../support/tempProject.js";
import { runLogs, secondOfDay, startDaemon, type DaemonProcess } from "./daemonProcess.js";

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

const job = (id: string, cron: string, step: string, extra = "") =>
  `id: ${id}\nschedule: { cron: "${cron}", timezone: Europe/Paris }\n${extra}steps:\n  - ${step}\n`;
const shell = (command: string) => `{ name: work, type: shell, command: "${command}" }`;
const secondOf = (iso: string) => new Date(iso).getUTCSeconds();
/** A 6-field cron that fires on 1 January only: a job that waits until fireSoon points it at a second. */
const FAR = "0 0 0 1 1 *";

/**
 * Rewrites the jobs to fire at one second soon (`jobs(cron)`: path → content) and reloads the
 * running daemon. A start under load can take seconds, a reload milliseconds, so the jobs are
 * written once the daemon runs; a reload that lands after the chosen second (the jobs then wait a
 * day, nothing fires) is done again with a later one. Resolves with the fire time.
 */
async function fireSoon(running: DaemonProcess, root: string, jobs: (cron: string) => Record<string, string>): Promise<number> {
  await running.waitFor((line) => line.event === "daemon_started");
  for (let attempt = 1; ; attempt++) {
    const fireAt = Math.ceil((Date.now() + 1000) / 1000) * 1000;
    for (const [path, content] of Object.entries(jobs(`${secondOfDay(fireAt)} * * *`))) writeFileSync(join(root, path), content);
    const before = running.events("reloaded").length;
    running.child.kill("SIGHUP");
    await running.waitFor(() => running.events("reloaded").length > before);
    if (Date.parse(running.events("reloaded").at(-1)!.ts) < fireAt - 100) return fireAt;
    if (attempt === 3) throw new Error(`three reloads landed too late for the fire time; output:\n${running.output()}`);
  }
}

describe("nomaflow daemon, the real process", () => {
  it("fires each second-field schedule on time, serves /healthz and /metrics, reloads on SIGHUP and exits 0 on SIGTERM", async () => {
    const root = project({
      "jobs/steady.yaml": job("steady", "*/2 * * * * *", shell("true"), "concurrency: allow\n"),
      "jobs/moved.yaml": job("moved", "*/2 * * * * *", shell("true")),
      "jobs/dropped.yaml": job("dropped", "*/2 * * * * *", shell("true")),
    });
    const first = daemon(root, ["--http", "127.0.0.1:0"]);
    const started = await first.waitFor((line) => line.event === "daemon_started");
    expect(started).toMatchObject({ jobs: 3, scheduled: 3 });
    await first.waitFor(() => first.events("fired", "steady").length >= 2);

    // Within a second of the fire time, in the daemon's log and in the run log.
    for (const fired of first.events("fired")) {
      const late = Date.parse(fired.ts) - Date.parse(fired.scheduled_for as string);
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(1000);
    }
    for (const events of runLogs(root, "steady")) {
      const runStarted = events[0] as RunStartedEvent;
      expect(runStarted).toMatchObject({ event: "run_started", trigger: "schedule" });
      expect(Date.parse(runStarted.ts) - Date.parse(runStarted.scheduled_for!)).toBeLessThan(1000);
    }

    const health = await fetch(`${started.http as string}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", jobs: 3 });
    const metrics = await (await fetch(`${started.http as string}/metrics`)).text();
    expect(metrics).toContain('nomaflow_runs_total{job="steady",status="succeeded"}');
    expect(metrics).toContain('nomaflow_next_fire_timestamp_seconds{job="moved"}');

    // A second daemon on the same project refuses to start.
    const second = await runCli(["daemon", "-C", root]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain("another nomaflow daemon is already running for this project");

    // Reload: a changed schedule (odd seconds), a removed job, a broken file.
    writeFileSync(join(root, "jobs", "moved.yaml"), job("moved", "1-59/2 * * * * *", shell("true")));
    unlinkSync(join(root, "jobs", "dropped.yaml"));
    writeFileSync(join(root, "jobs", "steady.yaml"), job("steady", "*/2 * * * * *", "{ name: work, type: shel, command: true }", "concurrency: allow\n"));
    first.child.kill("SIGHUP");
    const reloaded = await first.waitFor((line) => line.event === "reloaded");
    expect(reloaded).toMatchObject({ jobs: 2, scheduled: 2, changed: "moved", unscheduled: "dropped", removed: "dropped", invalid: 1 });
    expect(first.events("job_invalid", "steady")).toMatchObject([
      { level: "error", file: expect.stringMatching(/steady\.yaml:\d+:\d+$/), kept: "previous version" },
    ]);
    const reloadedAt = Date.parse(reloaded.ts);

    const after = (name: string) => first.events("fired", name).filter((line) => Date.parse(line.ts) > reloadedAt + 50);
    // `dropped` would have fired with `steady` (both every 2 s) had it stayed scheduled.
    await first.waitFor(() => after("steady").length >= 2 && after("moved").length >= 2);
    expect(after("steady").length).toBeGreaterThanOrEqual(2);
    expect(after("steady").every((line) => secondOf(line.scheduled_for as string) % 2 === 0)).toBe(true);
    expect(after("moved").length).toBeGreaterThanOrEqual(2);
    expect(after("moved").every((line) => secondOf(line.scheduled_for as string) % 2 === 1)).toBe(true);
    expect(after("dropped")).toEqual([]);

    first.child.kill("SIGTERM");
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.events("stopped")).toHaveLength(1);
  }, 30_000);

  it("on SIGTERM mid-run, lets a step that ends within the grace succeed, interrupts one that does not, and exits 0", async () => {
    const jobs = (cron: string) => ({
      "jobs/short.yaml": `id: short\nschedule: { cron: "${cron}", timezone: UTC }\nsteps:\n  - ${shell("sleep 1")}\n`,
      "jobs/long.yaml": `id: long\nschedule: { cron: "${cron}", timezone: UTC }\nsteps:\n  - ${shell("sleep 30")}\n`,
    });
    const root = project(jobs(FAR));
    const running = daemon(root, ["--grace", "2"]);
    await fireSoon(running, root, jobs);
    await running.waitFor(() => running.events("fired").length === 2, 8000);
    const stepStarted = (job: string) => runLogs(root, job)[0]?.some((event) => event.event === "step_started") === true;
    expect(await eventually(() => stepStarted("short") && stepStarted("long"), 5000)).toBe(true);
    running.child.kill("SIGTERM");
    expect(await running.exited).toEqual({ code: 0, signal: null });

    const stopping = running.events("stopping")[0]!;
    expect(stopping).toMatchObject({ signal: "SIGTERM", running: 2, grace_s: 2 });
    expect(running.events("interrupting")).toMatchObject([{ running: 1 }]);
    const [shortRun] = runLogs(root, "short");
    const [longRun] = runLogs(root, "long");
    expect(shortRun!.at(-1)!.event).toBe("run_succeeded");
    expect(longRun!.at(-1)!.event).toBe("run_interrupted");
    // Cancelled after the grace, not before.
    expect(Date.parse(longRun!.at(-1)!.ts) - Date.parse(stopping.ts)).toBeGreaterThanOrEqual(2000);
    expect(running.events("fired")).toHaveLength(2);
  }, 30_000);

  it("after a SIGKILL mid-run, the next daemon reports the abandoned run once (log line and alert) and does not fire its time again", async () => {
    const hook = await receiverForTest((request, response) => {
      if (request.url.startsWith("/hang")) return; // the step's request: never answered
      response.statusCode = 204;
      response.end();
    });
    const jobs = (cron: string) => ({
      "jobs/stuck.yaml": `id: stuck\nschedule: { cron: "${cron}", timezone: UTC }\nmisfire_grace_minutes: 60\nsteps:\n  - { name: wait, type: http, url: "${hook.url}/hang", timeout: 60 }\n`,
    });
    const root = project({
      "nomaflow.yaml": `runs_dir: runs\nnotifications:\n  channels:\n    hook: { type: webhook, url: "${hook.url}/alert" }\n  default: [hook]\n`,
      ...jobs(FAR),
    });

    const killed = daemon(root);
    await fireSoon(killed, root, jobs);
    const fired = await killed.waitFor((line) => line.event === "fired", 8000);
    expect(await eventually(() => hook.requests.some((request) => request.url === "/hang"), 5000)).toBe(true);
    killed.child.kill("SIGKILL");
    await killed.exited;

    const restarted = daemon(root);
    await restarted.waitFor((line) => line.event === "daemon_started");
    const alert = await restarted.waitFor((line) => line.event === "alert_sent" || line.event === "alert_failed");
    expect(alert).toMatchObject({ event: "alert_sent", job: "stuck", run: fired.run, channel: "hook", kind: "abandoned" });
    expect(restarted.events("abandoned")).toMatchObject([
      { job: "stuck", run: fired.run, scheduled_for: fired.scheduled_for, trigger: "schedule", step: "wait" },
    ]);
    const alerts = hook.requests.filter((request) => request.url === "/alert");
    expect(alerts).toHaveLength(1);
    expect(JSON.parse(alerts[0]!.body)).toMatchObject({ kind: "abandoned", run_id: fired.run, job_id: "stuck", status: "abandoned" });

    const shown = await runCli(["show", fired.run as string, "--json", "-C", root]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: "abandoned", scheduled_for: fired.scheduled_for });

    await sleep(1000);
    restarted.child.kill("SIGTERM");
    expect(await restarted.exited).toEqual({ code: 0, signal: null });
    expect(restarted.events("fired")).toEqual([]);
    expect(restarted.events("caught_up")).toEqual([]);

    // A third start: reported already, so neither logged nor alerted again.
    const third = daemon(root);
    await third.waitFor((line) => line.event === "daemon_started");
    await sleep(500);
    third.child.kill("SIGTERM");
    expect(await third.exited).toEqual({ code: 0, signal: null });
    expect(third.events("abandoned")).toEqual([]);
    expect(hook.requests.filter((request) => request.url === "/alert")).toHaveLength(1);
    expect(runLogs(root, "stuck")).toHaveLength(1);
  }, 40_000);
});

describe("on_abandoned: rerun, one daemon", () => {
  it("the daemon started after a SIGKILL reruns the abandoned run once, trigger recovery, for its scheduled time", async () => {
    const jobs = (cron: string) => ({
      "jobs/rerun.yaml": `id: rerun\nschedule: { cron: "${cron}", timezone: UTC }\non_abandoned: rerun\nsteps:\n  - ${shell("sleep 3")}\n`,
    });
    const root = project(jobs(FAR));
    const killed = daemon(root);
    await fireSoon(killed, root, jobs);
    const fired = await killed.waitFor((line) => line.event === "fired", 8000);
    expect(await eventually(() => runLogs(root, "rerun")[0]?.some((event) => event.event === "step_started") === true, 5000)).toBe(true);
    killed.child.kill("SIGKILL");
    await killed.exited;

    const restarted = daemon(root);
    const recovering = await restarted.waitFor((line) => line.event === "recovering", 10_000);
    expect(recovering).toMatchObject({ job: "rerun", abandoned: fired.run, scheduled_for: fired.scheduled_for });
    await restarted.waitFor((line) => line.event === "run_finished" && line.run === recovering.run, 10_000);
    restarted.child.kill("SIGTERM");
    expect(await restarted.exited).toEqual({ code: 0, signal: null });
    const starts = runLogs(root, "rerun").map((events) => events[0] as RunStartedEvent);
    expect(starts.map((event) => [event.trigger, event.recovery_of])).toEqual([
      ["schedule", undefined],
      ["recovery", fired.run],
    ]);
    expect(restarted.events("abandoned")).toHaveLength(1);
  }, 40_000);
});

describe("nomaflow daemon --print-systemd-unit", () => {
  it("prints a unit that starts this daemon on this project, and exits 0", async () => {
    const root = project({});
    const result = await runCli(["daemon", "--print-systemd-unit", "--grace", "45", "--http", "127.0.0.1:9464", "-C", root]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ExecStart=.+ daemon -C \S+ --http 127\.0\.0\.1:9464$/m);
    expect(result.stdout).toContain("TimeoutStopSec=75s");
    expect(result.stdout).toContain("ExecReload=/bin/kill -HUP $MAINPID");
  });
});
