/**
 * The run limit with several daemons (real daemon processes, one store on the real server, a
 * project copy per "host"): a daemon full at `--max-runs` queues due fires unclaimed, so the other
 * daemon, with a free slot, runs them on time; none runs twice, none is missed or caught up, and
 * the full daemon, once free, finds them taken and starts none of them.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunStartedEvent } from "../../../src/run-logs/runEvents.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../../support/postgres.js";
import { makeProject } from "../../support/tempProject.js";
import { runLogs, startDaemon, type DaemonProcess } from "../daemonProcess.js";

describeWithPostgres("the run limit in a cluster", () => {
  const failed = trackFailures();
  let db: TestDatabase;
  const hosts: Array<{ root: string; remove: () => void }> = [];
  const daemons: DaemonProcess[] = [];

  beforeAll(async () => {
    db = await createDatabase("cluster_queue");
    for (let host = 0; host < 2; host++) {
      hosts.push(
        makeProject({
          "nomaflow.yaml": `runs_dir: runs\nconnectors:\n  store: { url: "${db.url}" }\nstate: { connector: store, heartbeat_seconds: 1, lease_seconds: 3 }\ndaemon: { max_concurrent_runs: 1 }\n`,
          "jobs/blocker.yaml":
            'id: blocker\nschedule: { cron: "*/10 * * * * *", timezone: UTC }\nsteps:\n  - { name: work, type: shell, command: "sleep 4" }\n',
          "jobs/tick.yaml": 'id: tick\nschedule: { cron: "* * * * * *", timezone: UTC }\nsteps:\n  - { name: work, type: shell, command: "true" }\n',
        }),
      );
    }
  });
  afterAll(async () => {
    for (const daemon of daemons) daemon.child.kill("SIGKILL");
    for (const host of hosts) host.remove();
    await db.drop(failed());
  });

  const started = (root: string, job: string): RunStartedEvent[] =>
    runLogs(root, job)
      .map((events) => events[0] as RunStartedEvent)
      .filter((event) => event?.event === "run_started");

  it("a full daemon's due fires run on the daemon with a free slot, each once, on time", { timeout: 60_000 }, async () => {
    const both = hosts.map((host) => startDaemon(host.root));
    daemons.push(...both);
    for (const daemon of both) await daemon.waitFor((line) => line.event === "daemon_started", 15_000);
    const blocked = await Promise.any(
      both.map((daemon) => daemon.waitFor((line) => line.event === "fired" && line.job === "blocker", 20_000).then(() => daemon)),
    );
    const free = both.find((daemon) => daemon !== blocked)!;
    const finished = await blocked.waitFor((line) => line.event === "run_finished" && line.job === "blocker", 15_000);
    // A few more seconds, so the freed daemon has gone through its queue.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (const daemon of both) daemon.child.kill("SIGTERM");
    await Promise.all(both.map((daemon) => daemon.exited));
    const output = both.map((daemon) => daemon.output()).join("\n");

    // While it ran the blocker, the full daemon queued the tick's fires and started none of them.
    const fullFrom = Date.parse(blocked.events("fired", "blocker")[0]!.ts);
    const fullUntil = Date.parse(finished.ts);
    const queued = blocked.events("queued", "tick").filter((line) => Date.parse(line.ts) > fullFrom && Date.parse(line.ts) < fullUntil);
    expect(queued.length, output).toBeGreaterThanOrEqual(2);
    const firedByFull = new Set(blocked.events("fired", "tick").map((line) => line.scheduled_for));
    const firedByFree = new Set(free.events("fired", "tick").map((line) => line.scheduled_for));
    for (const line of queued) {
      expect(firedByFull.has(line.scheduled_for), output).toBe(false);
      expect(firedByFree.has(line.scheduled_for), `${String(line.scheduled_for)} queued on the full daemon, run by the other\n${output}`).toBe(true);
    }
    for (const daemon of both) {
      expect(daemon.events("missed"), output).toEqual([]);
      expect(daemon.events("caught_up"), output).toEqual([]);
    }
    // Every scheduled time ran at most once, across both hosts, and all on time.
    const ticks = hosts.flatMap((host) => started(host.root, "tick"));
    const keys = ticks.map((event) => event.scheduled_for);
    expect(new Set(keys).size).toBe(keys.length);
    expect(ticks.every((event) => event.trigger === "schedule")).toBe(true);
    const { rows } = await db.query("select count(*)::int as claims, count(distinct (job_id, scheduled_for))::int as times from nomaflow.fires");
    expect(rows[0].claims).toBe(rows[0].times);
  });
});
