/**
 * Issue 17 with real processes: `nomaflow daemon` children (the built bin), each on its own copy of
 * one project (its own runs_dir: a "host"), all sharing one state store on the real PostgreSQL.
 * Each test has a schema of its own in the file's database. The copies are byte for byte the same
 * (the store's URL comes from each host's environment), so their definitions agree.
 *
 * What counts is what the daemons write themselves: the run logs (NDJSON) in each copy, their log
 * lines, and the store's `fires`, `daemons`, `job_locks` and `runs` rows (of `runs`, only what the
 * fire store writes: a run's start, its abandonment, its rerun's claim). The tests wait for
 * conditions, never for fixed times, except the settle after a failover, which gives a duplicate
 * the time to show.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunEvent, RunStartedEvent } from "../../../src/run-logs/runEvents.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../../support/postgres.js";
import { isRunning } from "../../support/processState.js";
import { startTcpProxy, type TcpProxy } from "../../support/tcpProxy.js";
import { makeProject } from "../../support/tempProject.js";
import { startDaemon, type DaemonLine, type DaemonProcess } from "../daemonProcess.js";

const HEARTBEAT_S = 1;
const LEASE_S = 3;
/** A daemon starting on a loaded 2-core machine can take seconds (node, the project, the migrations). */
const START_TIMEOUT_MS = 30_000;

/** A host: a copy of the project and the daemon running on it. */
interface Host {
  name: string;
  root: string;
  storeUrl: string;
  daemon: DaemonProcess;
}

interface StartedRun extends RunStartedEvent {
  hostName: string;
  /** The run's final event, when it has one. */
  end: RunEvent | undefined;
}

const shell = (command: string) => `{ name: work, type: shell, command: "${command}" }`;
const job = (id: string, cron: string, step: string, extra = "") => `id: ${id}\nschedule: { cron: "${cron}", timezone: UTC }\n${extra}steps:\n  - ${step}\n`;
const FINAL = new Set(["run_succeeded", "run_failed", "run_interrupted"]);

/** Every run of every job in a copy; a line being written (not yet whole) is left for the next read. */
function readRuns(hostName: string, root: string): StartedRun[] {
  const runs: StartedRun[] = [];
  const runsDir = join(root, "runs");
  let jobs: string[];
  try {
    jobs = readdirSync(runsDir);
  } catch {
    return runs;
  }
  for (const jobId of jobs) {
    for (const file of readdirSync(join(runsDir, jobId)).filter((name) => name.endsWith(".ndjson"))) {
      const events: RunEvent[] = [];
      for (const line of readFileSync(join(runsDir, jobId, file), "utf8").split("\n")) {
        try {
          if (line !== "") events.push(JSON.parse(line) as RunEvent);
        } catch {
          break;
        }
      }
      const first = events[0];
      if (first?.event !== "run_started") continue;
      runs.push({ ...first, hostName, end: events.find((event) => FINAL.has(event.event)) });
    }
  }
  return runs;
}

const allRuns = (hosts: readonly Host[]) => hosts.flatMap((host) => readRuns(host.name, host.root));
const ms = (iso: string) => Date.parse(iso);
const seconds = (milliseconds: number) => `${(milliseconds / 1000).toFixed(1)} s`;

/** The pids under `pid` (children first read from /proc), to end a killed daemon's orphaned steps. */
function descendants(pid: number): number[] {
  const found: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const task of tasks) {
    let children: string;
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8");
    } catch {
      continue;
    }
    for (const child of children.split(/\s+/).filter(Boolean).map(Number)) found.push(child, ...descendants(child));
  }
  return found;
}

describeWithPostgres("several real daemons on one state store", () => {
  const failed = trackFailures();
  let db: TestDatabase;
  const cleanups: Array<() => unknown> = [];

  beforeAll(async () => {
    db = await createDatabase("cluster_processes");
  });
  afterAll(async () => {
    while (cleanups.length) await cleanups.pop()!();
    await db.drop(failed());
  });

  /** A copy of the project: nomaflow.yaml names the store by a variable each host sets. */
  function makeHost(name: string, schema: string, jobs: Record<string, string>, storeUrl = db.url): Omit<Host, "daemon"> {
    const made = makeProject({
      "nomaflow.yaml": `runs_dir: runs
connectors:
  store: { url: "\${env:NOMAFLOW_TEST_STATE_URL}" }
state: { connector: store, schema: ${schema}, heartbeat_seconds: ${HEARTBEAT_S}, lease_seconds: ${LEASE_S} }
`,
      ...jobs,
    });
    cleanups.push(made.remove);
    return { name, root: made.root, storeUrl };
  }

  function start(host: Omit<Host, "daemon">, args: string[] = []): Host {
    const daemon = startDaemon(host.root, ["--grace", "1", ...args], { env: { NOMAFLOW_TEST_STATE_URL: host.storeUrl } });
    cleanups.push(() => {
      const pid = daemon.child.pid;
      if (pid !== undefined && isRunning(pid)) daemon.child.kill("SIGKILL");
    });
    return { ...host, daemon };
  }

  const started = (host: Host) => host.daemon.waitFor((line) => line.event === "daemon_started", START_TIMEOUT_MS);

  /** SIGTERM to every daemon still running; each exits 0 (its runs interrupted after the 1 s grace). */
  async function stopAll(hosts: readonly Host[]): Promise<void> {
    const running = hosts.filter((host) => host.daemon.child.exitCode === null && host.daemon.child.signalCode === null);
    for (const host of running) host.daemon.child.kill("SIGTERM");
    for (const host of running) expect(await host.daemon.exited, host.daemon.output()).toEqual({ code: 0, signal: null });
  }

  /** Polls `condition` (every 50 ms) up to `timeoutMs`; fails with every daemon's output when it never holds. */
  async function until(hosts: readonly Host[], what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) {
        throw new Error(`${what}: not within ${timeoutMs} ms\n${hosts.map((host) => `--- ${host.name}\n${host.daemon.output()}`).join("\n")}`);
      }
      await sleep(50);
    }
  }

  const linesOf = (hosts: readonly Host[], event: string): Array<DaemonLine & { hostName: string }> =>
    hosts.flatMap((host) => host.daemon.events(event).map((line) => ({ ...line, hostName: host.name })));

  it("three daemons: every scheduled time of every job runs exactly once, spread over the daemons", async () => {
    const jobs = {
      "jobs/every.yaml": job("every", "* * * * * *", shell("true"), "concurrency: allow\n"),
      "jobs/even.yaml": job("even", "*/2 * * * * *", shell("true"), "concurrency: allow\n"),
      "jobs/third.yaml": job("third", "*/3 * * * * *", shell("true"), "concurrency: allow\n"),
    };
    const periods: Record<string, number> = { every: 1000, even: 2000, third: 3000 };
    const hosts = ["a", "b", "c"].map((name) => start(makeHost(name, "every_fire", jobs)));
    const starts = await Promise.all(hosts.map(started));
    const allUp = Math.max(...starts.map((line) => ms(line.ts)));
    // 12 s of fires with all three up; fires before that count too (one or two daemons were up).
    await until(hosts, "12 s of fires", () => allRuns(hosts).some((run) => ms(run.scheduled_for!) >= allUp + 12_000), 30_000);
    await stopAll(hosts);

    const runs = allRuns(hosts);
    const key = (jobId: string, at: number) => `${jobId} ${new Date(at).toISOString()}`;
    const byKey = new Map<string, StartedRun[]>();
    for (const run of runs) {
      const at = key(run.job_id, ms(run.scheduled_for!));
      byKey.set(at, [...(byKey.get(at) ?? []), run]);
    }
    const doubled = [...byKey.entries()].filter(([, same]) => same.length > 1).map(([at, same]) => `${at} on ${same.map((run) => run.hostName).join("+")}`);
    expect(doubled, "scheduled times run more than once").toEqual([]);

    // Every fire time from the first daemon's start to the first stop; each edge leaves out a
    // second: a fire due while a daemon starts or stops is decided by whoever is up then.
    const from = Math.min(...starts.map((line) => ms(line.ts))) + 1000;
    const to = Math.min(...hosts.map((host) => ms(host.daemon.events("stopping")[0]!.ts))) - 1000;
    const missing: string[] = [];
    let expected = 0;
    for (const [jobId, period] of Object.entries(periods)) {
      for (let at = Math.ceil(from / period) * period; at <= to; at += period) {
        expected++;
        if (!byKey.has(key(jobId, at))) missing.push(key(jobId, at));
      }
    }
    expect(missing, "fire times with no run").toEqual([]);
    expect(linesOf(hosts, "definition_mismatch")).toEqual([]);

    // The store agrees: each run's fire was claimed by the daemon (pid) that ran it.
    const { rows } = await db.query(
      `select f.job_id, (extract(epoch from f.scheduled_for) * 1000)::float8 as ms, d.pid
         from every_fire.fires f join every_fire.daemons d on d.id = f.daemon_id`,
    );
    const claimedBy = new Map(rows.map((row: { job_id: string; ms: number; pid: number }) => [key(row.job_id, Number(row.ms)), row.pid]));
    for (const run of runs) expect(claimedBy.get(key(run.job_id, ms(run.scheduled_for!))), `claim of ${run.run_id}`).toBe(run.pid);

    const perHost = Object.fromEntries(hosts.map((host) => [host.name, runs.filter((run) => run.hostName === host.name).length]));
    console.log(
      `exactly once: ${runs.length} runs of ${byKey.size} fire times (${expected} expected in the window of ${seconds(to - from)}), per daemon ${JSON.stringify(perHost)}, "missed" lines ${linesOf(hosts, "missed").length}`,
    );
    expect(Object.values(perHost).filter((count) => count > 0).length).toBeGreaterThan(1);
  }, 60_000);

  it("kill -9 of a daemon mid-run: its run is reported abandoned once and rerun once on another daemon", async () => {
    const jobs = { "jobs/long.yaml": job("long", "*/10 * * * * *", shell("sleep 30"), "concurrency: allow\non_abandoned: rerun\n") };
    const hosts = ["a", "b", "c"].map((name) => start(makeHost(name, "kill_nine", jobs)));
    await Promise.all(hosts.map(started));

    // The first run the store knows of (its row written at the start), on whichever daemon.
    let victim: StartedRun | undefined;
    await until(
      hosts,
      "a run of long going and known to the store",
      async () => {
        for (const run of allRuns(hosts).filter((run) => run.end === undefined)) {
          const { rowCount } = await db.query(`select 1 from kill_nine.runs where run_id = $1 and status = 'running'`, [run.run_id]);
          if (rowCount === 1) victim = run;
        }
        return victim !== undefined;
      },
      25_000,
    );
    const killed = hosts.find((host) => host.name === victim!.hostName)!;
    const survivors = hosts.filter((host) => host !== killed);
    const orphans = descendants(killed.daemon.child.pid!);
    cleanups.push(() => orphans.forEach((pid) => isRunning(pid) && process.kill(pid, "SIGKILL")));
    const killedAt = Date.now();
    killed.daemon.child.kill("SIGKILL");
    await killed.daemon.exited;
    // Its runs going at the kill: the victim, and any other it had.
    const { rows: abandonedRows } = await db.query(
      `select run_id from kill_nine.runs where daemon_id = (select daemon_id from kill_nine.runs where run_id = $1)`,
      [victim!.run_id],
    );
    const lost = abandonedRows.map((row: { run_id: string }) => row.run_id);

    const recoveryOf = (runId: string) => allRuns(survivors).filter((run) => run.trigger === "recovery" && run.recovery_of === runId);
    await until(survivors, "the recovery runs", () => lost.every((runId) => recoveryOf(runId).length > 0), 20_000);
    const recovery = recoveryOf(victim!.run_id)[0]!;
    const killToRecovery = ms(recovery.ts) - killedAt;
    // A duplicate report or rerun would come within a lease or two.
    await sleep(LEASE_S * 1000);

    for (const runId of lost) {
      expect(
        linesOf(survivors, "abandoned").filter((line) => line.run === runId),
        `abandoned reports of ${runId}`,
      ).toHaveLength(1);
      expect(recoveryOf(runId), `recoveries of ${runId}`).toHaveLength(1);
    }
    const { rows } = await db.query(
      `select status, abandoned_reported_at is not null as reported, recovery_claimed_by from kill_nine.runs where run_id = any($1)`,
      [lost],
    );
    expect(rows).toHaveLength(lost.length);
    for (const row of rows) expect(row).toMatchObject({ status: "abandoned", reported: true, recovery_claimed_by: expect.any(String) });
    const { rows: dead } = await db.query(`select declared_dead_by from kill_nine.daemons where pid = $1`, [killed.daemon.child.pid]);
    expect(dead).toHaveLength(1);
    expect(dead[0].declared_dead_by).not.toBeNull();
    expect(linesOf(survivors, "daemon_dead")).toHaveLength(1);
    expect(recovery).toMatchObject({ job_id: "long", trigger: "recovery", scheduled_for: victim!.scheduled_for });

    console.log(
      `kill -9 → recovery run started on ${recovery.hostName}: ${seconds(killToRecovery)} (lease ${LEASE_S} s, heartbeat ${HEARTBEAT_S} s); runs abandoned ${lost.length}`,
    );
    expect(killToRecovery).toBeLessThan((LEASE_S + 4) * 1000);
    await stopAll(survivors);
  }, 60_000);

  it("a network cut: the cut-off daemon interrupts its forbid run before any other starts the job, then rejoins and fires again", async () => {
    const jobs = {
      "jobs/guarded.yaml": job("guarded", "*/2 * * * * *", shell("sleep 60")),
      "jobs/tick.yaml": job("tick", "*/2 * * * * *", shell("true"), "concurrency: allow\n"),
    };
    const server = new URL(db.url);
    const proxy: TcpProxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    cleanups.push(() => proxy.close());
    // The cut-off host starts alone, so that it runs `guarded` first.
    const cutHost = start(makeHost("cut", "network_cut", jobs, proxy.urlTo(db.url)));
    await started(cutHost);
    let cutRun: StartedRun | undefined;
    await until(
      [cutHost],
      "the cut-off daemon running guarded, holding its lock",
      async () => {
        cutRun = readRuns("cut", cutHost.root).find((run) => run.job_id === "guarded" && run.end === undefined);
        if (!cutRun) return false;
        const { rowCount } = await db.query(`select 1 from network_cut.job_locks where job_id = 'guarded' and run_id = $1`, [cutRun.run_id]);
        return rowCount === 1;
      },
      20_000,
    );
    const others = ["a", "b"].map((name) => start(makeHost(name, "network_cut", jobs)));
    await Promise.all(others.map(started));
    const hosts = [cutHost, ...others];
    // Both others have seen the job locked (a fire skipped): the cut comes while they would take it.
    await until(hosts, "the others skipping guarded", () => linesOf(others, "skipped").some((line) => line.job === "guarded"), 15_000);

    expect(readRuns("cut", cutHost.root).find((run) => run.run_id === cutRun!.run_id)!.end).toBeUndefined();
    const cutAt = Date.now();
    proxy.cut();
    const othersRun = () => allRuns(others).filter((run) => run.job_id === "guarded");
    await until(hosts, "another daemon running guarded", () => othersRun().length > 0, 20_000);
    const interrupted = readRuns("cut", cutHost.root).find((run) => run.run_id === cutRun!.run_id)!.end;
    expect(interrupted).toMatchObject({ event: "run_interrupted", reason: "lease_lost" });
    const takenOver = othersRun().sort((x, y) => ms(x.ts) - ms(y.ts))[0]!;
    expect(ms(interrupted!.ts)).toBeLessThan(ms(takenOver.ts));
    const [leaseLost] = cutHost.daemon.events("lease_lost");
    expect(leaseLost, cutHost.daemon.output()).toBeDefined();

    const restoredAt = Date.now();
    proxy.restore();
    const rejoined = await cutHost.daemon.waitFor((line) => line.event === "rejoined" || line.event === "lease_renewed", 20_000);
    await until(hosts, "the cut-off daemon firing again", () => cutHost.daemon.events("fired").some((line) => ms(line.ts) > ms(rejoined.ts)), 20_000);
    await stopAll(hosts);

    // No two runs of `guarded` overlap, across all three daemons.
    const guarded = allRuns(hosts)
      .filter((run) => run.job_id === "guarded")
      .sort((x, y) => ms(x.ts) - ms(y.ts));
    for (let index = 1; index < guarded.length; index++) {
      const before = guarded[index - 1]!;
      expect(before.end, `run ${before.run_id} on ${before.hostName} has a final event`).toBeDefined();
      expect(ms(guarded[index]!.ts), `${guarded[index]!.run_id} starts after ${before.run_id} ended`).toBeGreaterThanOrEqual(ms(before.end!.ts));
    }
    const ticks = allRuns(hosts).filter((run) => run.job_id === "tick");
    expect(new Set(ticks.map((run) => run.scheduled_for)).size).toBe(ticks.length);
    expect(linesOf(hosts, "definition_mismatch")).toEqual([]);

    console.log(
      `network cut: lease_lost ${seconds(ms(leaseLost!.ts) - cutAt)} after the cut, run interrupted at ${seconds(ms(interrupted!.ts) - cutAt)}, ` +
        `taken over on ${takenOver.hostName} at ${seconds(ms(takenOver.ts) - cutAt)}; ${rejoined.event} ${seconds(ms(rejoined.ts) - restoredAt)} after the restore; ` +
        `guarded runs ${guarded.length}, no overlap`,
    );
  }, 60_000);

  it("a cut just past the fence: the daemon interrupts its forbid run, renews the same lease, and the job runs again", async () => {
    const jobs = { "jobs/guarded.yaml": job("guarded", "*/2 * * * * *", shell("sleep 60")) };
    const server = new URL(db.url);
    const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    cleanups.push(() => proxy.close());
    // Alone: no other daemon declares it dead, so it keeps its lease (and its id) through the cut.
    const host = start(makeHost("alone", "short_cut", jobs, proxy.urlTo(db.url)));
    await started(host);
    const going = () => readRuns("alone", host.root).filter((run) => run.end === undefined);
    let first: StartedRun | undefined;
    await until(
      [host],
      "guarded running, holding its lock",
      async () => {
        first = going()[0];
        if (!first) return false;
        const { rowCount } = await db.query(`select 1 from short_cut.job_locks where run_id = $1`, [first.run_id]);
        return rowCount === 1;
      },
      20_000,
    );
    proxy.cut();
    await host.daemon.waitFor((line) => line.event === "lease_lost", 10_000);
    await until([host], "the run interrupted", () => readRuns("alone", host.root).find((run) => run.run_id === first!.run_id)?.end !== undefined, 10_000);
    proxy.restore();
    const renewed = await host.daemon.waitFor((line) => line.event === "lease_renewed" || line.event === "rejoined", 10_000);
    expect(renewed.event).toBe("lease_renewed");
    // The interrupted run's lock is gone (its release failed while cut off): the job runs again.
    await until([host], "guarded running again", () => going().some((run) => run.run_id !== first!.run_id), 10_000);
    const { rows } = await db.query(`select run_id from short_cut.job_locks`);
    expect(rows.map((row: { run_id: string }) => row.run_id)).not.toContain(first!.run_id);
    await stopAll([host]);
  }, 40_000);

  it("a job file changed on one host and reloaded: every daemon flags the mismatch, in its log and /metrics, until the files agree again", async () => {
    const original = job("tick", "*/2 * * * * *", shell("true"), "concurrency: allow\n");
    const jobs = { "jobs/tick.yaml": original };
    const watcher = start(makeHost("a", "mismatch", jobs), ["--http", "127.0.0.1:0"]);
    const changed = start(makeHost("b", "mismatch", jobs));
    const hosts = [watcher, changed];
    const url = (await started(watcher)).http as string;
    await started(changed);
    const metric = async (name: string) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return text.match(new RegExp(`^${name} (\\S+)$`, "m"))?.[1];
    };
    await until(hosts, "both daemons alive in /metrics", async () => (await metric("nomaflow_cluster_daemons_alive")) === "2", 15_000);
    expect(await metric("nomaflow_cluster_definition_mismatch")).toBe("0");

    writeFileSync(join(changed.root, "jobs", "tick.yaml"), job("tick", "*/2 * * * * *", shell("echo v2"), "concurrency: allow\n"));
    changed.daemon.child.kill("SIGHUP");
    await changed.daemon.waitFor((line) => line.event === "reloaded", 10_000);
    const flagged = await watcher.daemon.waitFor((line) => line.event === "definition_mismatch", 10_000);
    expect(flagged).toMatchObject({ level: "warn", differing: expect.stringContaining(`:${changed.daemon.child.pid}`) });
    await changed.daemon.waitFor((line) => line.event === "definition_mismatch", 10_000);
    await until(hosts, "the mismatch in /metrics", async () => (await metric("nomaflow_cluster_definition_mismatch")) === "1", 10_000);
    const { rows } = await db.query(
      `select count(distinct definitions_hash)::int as hashes from mismatch.daemons where stopped_at is null and dead_at is null`,
    );
    expect(rows[0].hashes).toBe(2);

    writeFileSync(join(changed.root, "jobs", "tick.yaml"), original);
    changed.daemon.child.kill("SIGHUP");
    await watcher.daemon.waitFor((line) => line.event === "definitions_agree", 10_000);
    await until(hosts, "the mismatch cleared in /metrics", async () => (await metric("nomaflow_cluster_definition_mismatch")) === "0", 10_000);
    await stopAll(hosts);
  }, 40_000);
});
