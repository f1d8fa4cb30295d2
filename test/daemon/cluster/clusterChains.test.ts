/**
 * Chained jobs with several real daemons (`nomaflow daemon` children of the built bin) on one
 * PostgreSQL state store, each on its own copy of the project (its own runs_dir: a "host"). A
 * chained job's logical date is claimed in `fires` (key `chain:JOB`), so it runs once in the
 * cluster, whichever daemon ran the runs it follows, and after a `nomaflow run` by hand on a host.
 * What counts is what the daemons write: every host's run logs, and the store's rows.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunEvent, RunStartedEvent } from "../../../src/run-logs/runEvents.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../../support/postgres.js";
import { isRunning } from "../../support/processState.js";
import { makeProject, runCli } from "../../support/tempProject.js";
import { runLogs, startDaemon, type DaemonProcess } from "../daemonProcess.js";

/** A daemon starting on a loaded 2-core machine can take seconds (node, the project, the migrations). */
const START_TIMEOUT_MS = 30_000;

interface Host {
  name: string;
  root: string;
  daemon: DaemonProcess;
}

interface HostRun {
  host: string;
  started: RunStartedEvent;
  final: RunEvent | undefined;
}

const FINAL = new Set(["run_succeeded", "run_failed", "run_interrupted"]);

function runsOf(hosts: readonly Host[], jobId: string): HostRun[] {
  return hosts.flatMap((host) =>
    runLogs(host.root, jobId)
      .filter((events) => events[0]?.event === "run_started")
      .map((events) => ({ host: host.name, started: events[0] as RunStartedEvent, final: events.find((event) => FINAL.has(event.event)) })),
  );
}

describeWithPostgres("chained jobs with several daemons on one state store", () => {
  const failed = trackFailures();
  let db: TestDatabase;
  const cleanups: Array<() => unknown> = [];

  beforeAll(async () => {
    db = await createDatabase("cluster_chains");
  });
  afterAll(async () => {
    while (cleanups.length) await cleanups.pop()!();
    await db.drop(failed());
  });

  function makeHost(name: string, schema: string, jobs: Record<string, string>): Omit<Host, "daemon"> {
    const files: Record<string, string> = {
      "nomaflow.yaml": `runs_dir: runs
connectors:
  store: { url: "\${env:NOMAFLOW_TEST_STATE_URL}" }
state: { connector: store, schema: ${schema}, heartbeat_seconds: 1, lease_seconds: 3 }
`,
    };
    for (const [id, body] of Object.entries(jobs)) files[`jobs/${id}.yaml`] = `id: ${id}\n${body}`;
    const made = makeProject(files);
    cleanups.push(made.remove);
    return { name, root: made.root };
  }

  function start(host: Omit<Host, "daemon">): Host {
    const daemon = startDaemon(host.root, ["--grace", "5"], { env: { NOMAFLOW_TEST_STATE_URL: db.url } });
    cleanups.push(() => {
      if (daemon.child.pid !== undefined && isRunning(daemon.child.pid)) daemon.child.kill("SIGKILL");
    });
    return { ...host, daemon };
  }

  async function until(hosts: readonly Host[], what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline)
        throw new Error(`${what}: not within ${timeoutMs} ms\n${hosts.map((host) => `--- ${host.name}\n${host.daemon.output()}`).join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function stopAll(hosts: readonly Host[]): Promise<void> {
    for (const host of hosts) host.daemon.child.kill("SIGTERM");
    for (const host of hosts) expect(await host.daemon.exited, host.daemon.output()).toEqual({ code: 0, signal: null });
  }

  const shell = (command: string) => `steps:\n  - { name: work, type: shell, command: "${command}" }\n`;
  const JOBS = {
    extract: `schedule: { cron: "*/2 * * * * *", timezone: UTC }\n${shell("sleep 0.2")}`,
    stock: `schedule: { cron: "*/2 * * * * *", timezone: UTC }\n${shell("sleep 0.1")}`,
    load: `schedule: { cron: "0 2 * * *", timezone: Europe/Paris }\n${shell("echo load")}`,
    report: `trigger: { after: [extract] }\n${shell("echo report")}`,
    summary: `trigger: { after: [extract, stock], on: always }\n${shell("echo summary")}`,
    daily: `trigger: { after: [load] }\n${shell("echo daily")}`,
  };

  it("two daemons: a chained job runs once per logical date, whichever daemon ran the runs it follows, and after a run by hand", async () => {
    const hosts = ["a", "b"].map((name) => start(makeHost(name, "two_daemons", JOBS)));
    await Promise.all(hosts.map((host) => host.daemon.waitFor((line) => line.event === "daemon_started", START_TIMEOUT_MS)));
    await until(hosts, "8 summaries", () => runsOf(hosts, "summary").filter((run) => run.final).length >= 8, 40_000);

    // A run by hand on host a, with no daemon's help: one of the daemons fires the daily job after it.
    const byHand = await runCli(["run", "load", "--for", "2026-12-03"], { cwd: hosts[0]!.root, env: { NOMAFLOW_TEST_STATE_URL: db.url } });
    expect(byHand.code, byHand.stderr).toBe(0);
    await until(hosts, "the daily job after the run by hand", () => runsOf(hosts, "daily").some((run) => run.final), 20_000);
    // Another look or two by each daemon, for a duplicate to show.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await stopAll(hosts);

    const extract = runsOf(hosts, "extract");
    const stock = runsOf(hosts, "stock");
    const report = runsOf(hosts, "report");
    const summary = runsOf(hosts, "summary");
    const at = (run: HostRun) => Date.parse(run.started.scheduled_for!);
    const perDate = (runs: HostRun[]) => {
      const counts = new Map<number, string[]>();
      for (const run of runs) counts.set(at(run), [...(counts.get(at(run)) ?? []), run.host]);
      return counts;
    };
    const twice = (runs: HostRun[]) =>
      [...perDate(runs)].filter(([, on]) => on.length > 1).map(([date, on]) => `${new Date(date).toISOString()} on ${on.join("+")}`);
    expect(twice(report), "report run twice for a date").toEqual([]);
    expect(twice(summary), "summary run twice for a date").toEqual([]);
    // Every extract that ended before the daemons stopped has its report; every date both jobs ran has its summary.
    const ended = extract.filter(
      (run) => run.final?.event === "run_succeeded" && report.some((candidate) => Date.parse(candidate.started.ts) > Date.parse(run.final!.ts)),
    );
    for (const run of ended) expect(perDate(report).has(at(run)), `report for ${run.started.scheduled_for}`).toBe(true);
    for (const run of summary) {
      const pair = [extract, stock].map((runs) => runs.find((candidate) => at(candidate) === at(run)));
      expect(run.started.after_runs?.map((after) => after.run_id)).toEqual(pair.map((upstream) => upstream?.started.run_id));
    }
    // Some summaries followed runs of two different daemons: the second end was seen in the store.
    const acrossHosts = summary.filter((run) => {
      const [first, second] = [extract, stock].map((runs) => runs.find((candidate) => at(candidate) === at(run))!);
      return first!.host !== second!.host;
    });
    const daily = runsOf(hosts, "daily");
    expect(daily).toHaveLength(1);
    expect(daily[0]!.started).toMatchObject({ trigger: "chain", scheduled_for: "2026-12-03T02:00:00+01:00" });

    // The store: one claim per chained date, by the daemon whose host ran it.
    const { rows } = await db.query(
      `select f.job_id, (extract(epoch from f.scheduled_for) * 1000)::float8 as ms, f.run_id, d.pid
         from two_daemons.fires f join two_daemons.daemons d on d.id = f.daemon_id where f.job_id like 'chain:%'`,
    );
    const chained = [...report, ...summary, ...daily];
    expect(rows).toHaveLength(chained.length);
    for (const run of chained) {
      const row = rows.find((candidate: { run_id: string }) => candidate.run_id === run.started.run_id);
      expect(row, `claim of ${run.started.run_id}`).toMatchObject({ job_id: `chain:${run.started.job_id}`, pid: run.started.pid });
      expect(Number(row.ms)).toBe(at(run));
    }
    const perHost = Object.fromEntries(hosts.map((host) => [host.name, chained.filter((run) => run.host === host.name).length]));
    console.log(
      `chains once: ${report.length} reports, ${summary.length} summaries (${acrossHosts.length} after runs on two daemons), 1 daily after a run by hand; per daemon ${JSON.stringify(perHost)}`,
    );
  }, 90_000);
});
