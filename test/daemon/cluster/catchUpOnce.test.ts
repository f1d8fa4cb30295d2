/**
 * After every daemon of a cluster was down, the missed fires are caught up once, by the first
 * daemon to claim them, however many daemons come back together (real daemon processes, one
 * store on the real server, each daemon on a project copy of its own: a "host").
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../../support/postgres.js";
import { makeProject } from "../../support/tempProject.js";
import { runLogs, startDaemon, type DaemonProcess } from "../daemonProcess.js";
import type { RunStartedEvent } from "../../../src/run-logs/runEvents.js";

const JOBS = ["every-3s-a", "every-3s-b"];

describeWithPostgres("catch-up after a total outage", () => {
  const failed = trackFailures();
  let db: TestDatabase;
  const hosts: Array<{ root: string; remove: () => void }> = [];
  const daemons: DaemonProcess[] = [];

  beforeAll(async () => {
    db = await createDatabase("cluster_catchup");
    for (let host = 0; host < 2; host++) {
      const files: Record<string, string> = {
        "nomaflow.yaml": `runs_dir: runs\nconnectors:\n  store: { url: "${db.url}" }\nstate: { connector: store, heartbeat_seconds: 1, lease_seconds: 3 }\n`,
      };
      for (const id of JOBS) {
        files[`jobs/${id}.yaml`] =
          `id: ${id}\nschedule: { cron: "*/3 * * * * *", timezone: UTC }\nmisfire_grace_minutes: 1\nsteps:\n  - { name: work, type: shell, command: "true" }\n`;
      }
      hosts.push(makeProject(files));
    }
  });
  afterAll(async () => {
    for (const daemon of daemons) daemon.child.kill("SIGKILL");
    for (const host of hosts) host.remove();
    await db.drop(failed());
  });

  const started = (root: string): RunStartedEvent[] =>
    JOBS.flatMap((job) => runLogs(root, job).map((events) => events[0] as RunStartedEvent)).filter((event) => event?.event === "run_started");

  it("happens once, on whichever daemon claims first, when two come back at once", { timeout: 60_000 }, async () => {
    const first = startDaemon(hosts[0]!.root);
    daemons.push(first);
    for (const job of JOBS) await first.waitFor((line) => line.event === "fired" && line.job === job, 15_000);
    first.child.kill("SIGTERM");
    await first.exited;
    const lastBefore = Math.max(...started(hosts[0]!.root).map((event) => Date.parse(event.scheduled_for!)));

    // Down long enough to miss at least two fires of each job.
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    const back = [startDaemon(hosts[0]!.root), startDaemon(hosts[1]!.root)];
    daemons.push(...back);
    for (const daemon of back) await daemon.waitFor((line) => line.event === "daemon_started", 15_000);
    for (const job of JOBS) {
      await Promise.any(back.map((daemon) => daemon.waitFor((line) => line.event === "caught_up" && line.job === job, 15_000)));
    }
    // A few more on-time fires, so that a late second catch-up would have had its chance.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    for (const daemon of back) daemon.child.kill("SIGTERM");
    await Promise.all(back.map((daemon) => daemon.exited));

    const caughtUp = back.flatMap((daemon) => daemon.events("caught_up"));
    expect(caughtUp.map((line) => line.job).sort(), back.map((daemon) => daemon.output()).join("\n")).toEqual([...JOBS].sort());
    const runs = hosts.flatMap((host) => started(host.root)).filter((event) => Date.parse(event.scheduled_for!) > lastBefore);
    expect(runs.filter((event) => event.trigger === "catchup")).toHaveLength(JOBS.length);
    // Every scheduled time ran once at most, across both hosts.
    const keys = runs.map((event) => `${event.job_id} ${Date.parse(event.scheduled_for!)}`);
    expect(new Set(keys).size).toBe(keys.length);
    // The missed ones before the caught-up fire were logged once, by the daemon that claimed it.
    const missed = back.flatMap((daemon) => daemon.events("missed"));
    expect(missed.map((line) => line.job).sort()).toEqual([...JOBS].sort());
    const { rows } = await db.query("select count(*)::int as claims, count(distinct (job_id, scheduled_for))::int as times from nomaflow.fires");
    expect(rows[0].claims).toBe(rows[0].times);
  });
});
