/**
 * The cluster fire store's semantics against a real PostgreSQL, with every clock injected: the
 * store's (a table the statements read instead of clock_timestamp()), each daemon's elapsed time
 * (for its lease) and wall clock (skewed on purpose). Each "daemon" is a store with a pool of its
 * own; the one whose network is cut talks through a TCP proxy the test closes.
 */
import { hostname } from "node:os";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../../src/daemon/clock.js";
import { ClusterFireStore } from "../../../src/daemon/cluster/clusterFireStore.js";
import { DaemonLog } from "../../../src/daemon/daemonLog.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../../support/postgres.js";
import { applyStateMigrations } from "../../support/stateSchema.js";
import { startTcpProxy, type TcpProxy } from "../../support/tcpProxy.js";

const HEARTBEAT_MS = 5_000;
const LEASE_MS = 20_000;
const STORE_START = "2027-01-01T00:00:00Z";

/** The store's own loop never wakes by itself here: the tests call maintain(). */
const stillClock = (wallMs: number): Clock => ({
  now: () => wallMs,
  sleep: (_ms, signal) => new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true }))),
});

interface TestDaemon {
  store: ClusterFireStore;
  pool: pg.Pool;
  log: Array<Record<string, unknown>>;
  leaseLost: number;
  /** Moves this daemon's own elapsed time. */
  advance(ms: number): void;
  events(event: string): Array<Record<string, unknown>>;
}

describeWithPostgres("cluster fire store", () => {
  const failed = trackFailures();
  let db: TestDatabase;
  const daemons: TestDaemon[] = [];
  const proxies: TcpProxy[] = [];

  beforeAll(async () => {
    db = await createDatabase("cluster_store");
    await applyStateMigrations(db.url);
    await db.query(`create table nomaflow.store_clock (at timestamptz not null); insert into nomaflow.store_clock values ('${STORE_START}')`);
  });
  afterAll(async () => {
    for (const daemon of daemons) {
      await daemon.store.close().catch(() => undefined);
      await daemon.pool.end().catch(() => undefined);
    }
    for (const proxy of proxies) await proxy.close();
    await db.drop(failed());
  });

  /** Moves the store's clock (the one leases are judged by). */
  const storeAdvance = (ms: number) => db.query(`update nomaflow.store_clock set at = at + $1 * interval '1 millisecond'`, [ms]);

  async function openDaemon(options: { pid: number; wallSkewMs?: number; url?: string; definitions?: string; jobs?: string[] }): Promise<TestDaemon> {
    let elapsed = 0;
    const log: Array<Record<string, unknown>> = [];
    const pool = new pg.Pool({ connectionString: options.url ?? db.url, max: 2 });
    pool.on("error", () => {});
    const daemonLog = new DaemonLog({
      format: "json",
      out: (line) => log.push(JSON.parse(line)),
      err: (line) => log.push(JSON.parse(line)),
      syslogPrefix: false,
    });
    const daemon: TestDaemon = {
      pool,
      log,
      leaseLost: 0,
      advance: (ms) => void (elapsed += ms),
      events: (event) => log.filter((line) => line.event === event),
      store: new ClusterFireStore({
        pool,
        schema: '"nomaflow"',
        identity: {
          host: hostname(),
          pid: options.pid,
          version: "test",
          projectRevision: "abc",
          definitionsHash: options.definitions ?? "same",
          maxRuns: undefined,
        },
        heartbeatMs: HEARTBEAT_MS,
        leaseMs: LEASE_MS,
        keepDays: 90,
        clock: stillClock(Date.parse(STORE_START) + (options.wallSkewMs ?? 0)),
        log: daemonLog,
        onLeaseLost: () => daemon.leaseLost++,
        elapsed: () => elapsed,
        storeNow: "(select at from nomaflow.store_clock)",
      }),
    };
    daemons.push(daemon);
    await daemon.store.open(options.jobs ?? []);
    return daemon;
  }

  /** Every daemon's time moves on by `ms` (the store's too), and each renews its lease. */
  async function allAdvance(ms: number, ...alive: TestDaemon[]): Promise<void> {
    await storeAdvance(ms);
    for (const daemon of alive) daemon.advance(ms);
    await Promise.all(alive.map((daemon) => daemon.store.maintain()));
  }

  const fires = (count: number, job = "job") =>
    Array.from({ length: count }, (_, index) => ({ jobId: `${job}-${index}`, scheduledForMs: Date.parse("2027-01-01T01:00:00Z") }));

  describe("claims", () => {
    it("each scheduled time goes to exactly one daemon when several claim the same tick at once", async () => {
      const a = await openDaemon({ pid: 101 });
      const b = await openDaemon({ pid: 102 });
      const batch = fires(200, "same-tick");
      const [byA, byB] = await Promise.all([a.store.claimFires(batch), b.store.claimFires(batch)]);
      const owners = batch.map((_, index) => Number(byA[index]!.claimed) + Number(byB[index]!.claimed));
      expect(owners.every((count) => count === 1)).toBe(true);
      const { rows } = await db.query("select count(*)::int as n from nomaflow.fires where job_id like 'same-tick-%'");
      expect(rows[0].n).toBe(200);
      // A time at or before the job's latest claimed one is decided already, by anyone.
      expect(await a.store.claimFires([{ jobId: "same-tick-0", scheduledForMs: Date.parse("2027-01-01T00:59:00Z") }])).toEqual([
        { claimed: false, previousMs: undefined },
      ]);
      // The claim says what was decided before it, by whichever daemon.
      expect(await b.store.claimFires([{ jobId: "same-tick-0", scheduledForMs: Date.parse("2027-01-01T01:01:00Z") }])).toEqual([
        { claimed: true, previousMs: Date.parse("2027-01-01T01:00:00Z") },
      ]);
      for (const daemon of [a, b]) await daemon.store.close();
    });

    it("spreads first claims over the daemons alive, each fire first to one", async () => {
      const trio = [await openDaemon({ pid: 201 }), await openDaemon({ pid: 202 }), await openDaemon({ pid: 203 })];
      await allAdvance(HEARTBEAT_MS, ...trio);
      const batch = Array.from({ length: 300 }, (_, index) => ({ jobId: `spread-${index}`, scheduledForMs: Date.parse("2027-01-01T02:00:00Z") }));
      const firsts = batch.map((fire) => trio.filter((daemon) => daemon.store.claimsFirst(fire)).length);
      expect(firsts.every((count) => count === 1)).toBe(true);
      const shares = trio.map((daemon) => batch.filter((fire) => daemon.store.claimsFirst(fire)).length);
      for (const share of shares) expect(share).toBeGreaterThan(60);
      for (const daemon of trio) expect(daemon.store.view().daemonsAlive).toBe(3);
      for (const daemon of trio) await daemon.store.close();
    });

    it("a job's lock under forbid holds across daemons and names the run holding it", async () => {
      const a = await openDaemon({ pid: 301 });
      const b = await openDaemon({ pid: 302 });
      const [mine] = await a.store.tryLockJobs([{ jobId: "forbid-job", runId: "run-a" }]);
      expect(mine!.acquired).toBe(true);
      expect(await b.store.tryLockJobs([{ jobId: "forbid-job", runId: "run-b" }])).toEqual([{ acquired: false, heldBy: "run-a" }]);
      // Two requests for one job in one call: the first only.
      const both = await b.store.tryLockJobs([
        { jobId: "other-job", runId: "run-1" },
        { jobId: "other-job", runId: "run-2" },
      ]);
      expect(both.map((result) => result.acquired)).toEqual([true, false]);
      if (mine!.acquired) await mine!.lock.release();
      expect((await b.store.tryLockJobs([{ jobId: "forbid-job", runId: "run-b" }]))[0]!.acquired).toBe(true);
      for (const daemon of [a, b]) await daemon.store.close();
    });
  });

  describe("claims that start runs", () => {
    const at = (time: string) => Date.parse(`2027-01-01T${time}Z`);
    const startRun = (jobId: string, time: string, runId: string, forbid = true) => ({
      jobId,
      scheduledForMs: at(time),
      run: { runId, trigger: "schedule" as const, scheduledFor: `2027-01-01T${time}+00:00`, forbid },
    });

    it("take a forbid job's lock and record the run in the claim's one statement; the run's end frees both at once", async () => {
      const a = await openDaemon({ pid: 801 });
      const b = await openDaemon({ pid: 802 });
      const before = a.store.view().statements;
      const [first] = await a.store.claimFires([startRun("locked-job", "03:00:00", "run-a1")]);
      expect(a.store.view().statements - before).toBe(1);
      expect(first).toMatchObject({ claimed: true, lock: { acquired: true } });
      const { rows } = await db.query("select status, daemon_id from nomaflow.runs where run_id = 'run-a1'");
      expect(rows).toEqual([{ status: "running", daemon_id: a.store.daemonId }]);
      // The next fire, on the other daemon, while it runs: claimed (decided) but the lock is refused.
      const [second] = await b.store.claimFires([startRun("locked-job", "03:01:00", "run-b1")]);
      expect(second).toMatchObject({ claimed: true, lock: { acquired: false, heldBy: "run-a1" } });
      expect((await db.query("select count(*)::int as n from nomaflow.runs where run_id = 'run-b1'")).rows[0].n).toBe(0);
      await a.store.runStarted({ jobId: "locked-job", runId: "run-a1", trigger: "schedule", scheduledFor: null });
      // Its end: the lock released and the run marked ended, in one statement.
      const ended = a.store.view().statements;
      if (first!.lock?.acquired) await Promise.all([first!.lock.lock.release(), a.store.runFinished("locked-job", "run-a1", "succeeded")]);
      expect(a.store.view().statements - ended).toBe(1);
      expect((await db.query("select status from nomaflow.runs where run_id = 'run-a1'")).rows[0].status).toBe("succeeded");
      const [third] = await b.store.claimFires([startRun("locked-job", "03:02:00", "run-b2")]);
      expect(third).toMatchObject({ claimed: true, lock: { acquired: true } });
      for (const daemon of [a, b]) await daemon.store.close();
    });

    it("a lock whose run the store knows has ended is taken over (its daemon died before freeing it)", async () => {
      const a = await openDaemon({ pid: 811 });
      const b = await openDaemon({ pid: 812 });
      await a.store.claimFires([startRun("orphan-lock", "04:00:00", "run-orphan")]);
      // The run ended and its history said so, but its daemon was killed before freeing the lock.
      await db.query("update nomaflow.runs set status = 'succeeded' where run_id = 'run-orphan'");
      const [next] = await b.store.claimFires([startRun("orphan-lock", "04:01:00", "run-next")]);
      expect(next).toMatchObject({ claimed: true, lock: { acquired: true } });
      const { rows } = await db.query("select run_id, daemon_id from nomaflow.job_locks where job_id = 'orphan-lock'");
      expect(rows).toEqual([{ run_id: "run-next", daemon_id: b.store.daemonId }]);
      for (const daemon of [a, b]) await daemon.store.close();
    });

    it("a run claimed by a daemon that dies before starting it is reported abandoned and can be rerun", async () => {
      const dying = await openDaemon({ pid: 821 });
      const survivor = await openDaemon({ pid: 822 });
      await dying.store.claimFires([startRun("never-started", "05:00:00", "run-never", false)]);
      await allAdvance(LEASE_MS + HEARTBEAT_MS, survivor);
      const found = await survivor.store.abandonedRuns();
      expect(found.map((run) => run.runId)).toEqual(["run-never"]);
      expect(found[0]!.summary).toMatchObject({ status: "abandoned", trigger: "schedule", scheduled_for: "2027-01-01T05:00:00+00:00", pid: 821 });
      expect(await survivor.store.claimRecovery("run-never")).toBe(true);
      await survivor.store.markAbandonedReported("run-never");
      for (const daemon of [dying, survivor]) await daemon.store.close();
    });
  });

  describe("retention", () => {
    it("prunes fires, runs, events and daemons older than keep_days, keeping each job's latest fire", async () => {
      // The store's clock reads 2027-01-01 (and later, after the tests above); 90 days before is October 2026.
      await db.query(`insert into nomaflow.fires (job_id, scheduled_for, daemon_id, claimed_at) values
        ('yearly', '2026-01-01T00:00:00Z', 'old', '2026-01-01T00:00:00Z'),
        ('daily', '2026-06-01T00:00:00Z', 'old', '2026-06-01T00:00:00Z'),
        ('daily', '2026-06-02T00:00:00Z', 'old', '2026-06-02T00:00:00Z')`);
      await db.query(`insert into nomaflow.runs (run_id, job_id, host, pid, trigger, status, started_at, ended_at) values
        ('old-run', 'daily', 'h', 1, 'schedule', 'succeeded', '2026-06-01T00:00:00Z', '2026-06-01T00:01:00Z'),
        ('new-run', 'daily', 'h', 1, 'schedule', 'succeeded', '2026-12-31T00:00:00Z', '2026-12-31T00:01:00Z')`);
      await db.query(`insert into nomaflow.run_events (run_id, seq, ts, event) values
        ('old-run', 0, '2026-06-01T00:00:00Z', '{}'), ('new-run', 0, '2026-12-31T00:00:00Z', '{}')`);
      await db.query(`insert into nomaflow.daemons (id, host, pid, version, project_revision, definitions_hash, lease_until, stopped_at)
        values ('long-gone', 'h', 1, 'v', 'r', 'd', '2026-06-01T00:00:00Z', '2026-06-01T00:00:00Z')`);
      // A daemon prunes at start (then hourly), one at a time.
      const pruner = await openDaemon({ pid: 901 });
      expect(pruner.events("pruned")).toMatchObject([{ keep_days: 90, runs: 1, events: 1, fires: 1, daemons: 1 }]);
      const fires = await db.query("select job_id, scheduled_for::text from nomaflow.fires where daemon_id = 'old' order by 1, 2");
      expect(fires.rows.map((row) => row.job_id)).toEqual(["daily", "yearly"]);
      const runs = await db.query("select run_id from nomaflow.runs where run_id in ('old-run', 'new-run')");
      expect(runs.rows).toEqual([{ run_id: "new-run" }]);
      expect((await db.query("select count(*)::int as n from nomaflow.run_events where run_id = 'old-run'")).rows[0].n).toBe(0);
      await pruner.store.close();
    });
  });

  describe("leases", () => {
    it("a daemon whose lease expired by the store's clock is declared dead once; its runs are abandoned once and rerun once", async () => {
      // Host clocks an hour apart: leases are judged by the store's clock alone.
      const dying = await openDaemon({ pid: 401, wallSkewMs: 3_600_000 });
      const b = await openDaemon({ pid: 402, wallSkewMs: -3_600_000 });
      const c = await openDaemon({ pid: 403 });
      await dying.store.runStarted({ jobId: "nightly", runId: "run-dying-1", trigger: "schedule", scheduledFor: "2027-01-01T02:00:00+01:00" });
      const [lock] = await dying.store.tryLockJobs([{ jobId: "nightly", runId: "run-dying-1" }]);
      expect(lock!.acquired).toBe(true);
      // 15 s later (three heartbeats of the others): the dying daemon stopped renewing (killed); the lease still runs.
      for (let beat = 0; beat < 3; beat++) await allAdvance(HEARTBEAT_MS, b, c);
      expect(b.events("daemon_dead")).toEqual([]);
      // Silent for over a heartbeat and a half, it no longer has a share of first claims: the two
      // others take every fire at once instead of after the hand-off.
      const batch = Array.from({ length: 100 }, (_, index) => ({ jobId: `share-${index}`, scheduledForMs: Date.parse("2027-01-01T03:00:00Z") }));
      expect(batch.every((fire) => [b, c].filter((daemon) => daemon.store.claimsFirst(fire)).length === 1)).toBe(true);
      expect(b.store.view().daemonsAlive).toBe(3);
      expect((await b.store.tryLockJobs([{ jobId: "nightly", runId: "run-b" }]))[0]!.acquired).toBe(false);
      // 25 s after its last renewal, both survivors look at once: one declares it dead.
      await allAdvance(10_000, b, c);
      expect([...b.events("daemon_dead"), ...c.events("daemon_dead")]).toHaveLength(1);
      const found = [...(await b.store.abandonedRuns()), ...(await c.store.abandonedRuns())];
      expect(found.map((run) => run.runId)).toEqual(["run-dying-1"]);
      expect(found[0]!.summary).toMatchObject({ status: "abandoned", trigger: "schedule", scheduled_for: "2027-01-01T02:00:00+01:00", pid: 401 });
      expect(await b.store.abandonedRuns()).toEqual([]);
      const { rows } = await db.query("select status, abandoned_by from nomaflow.runs where run_id = 'run-dying-1'");
      expect(rows[0].status).toBe("abandoned");
      // Its lock was freed with it, and the rerun goes to one daemon only.
      expect((await c.store.tryLockJobs([{ jobId: "nightly", runId: "run-c" }]))[0]!.acquired).toBe(true);
      const reruns = await Promise.all([b.store.claimRecovery("run-dying-1"), c.store.claimRecovery("run-dying-1"), b.store.claimRecovery("run-dying-1")]);
      expect(reruns.filter(Boolean)).toHaveLength(1);
      // Later sweeps find nothing more.
      await allAdvance(HEARTBEAT_MS, b, c);
      expect([...b.events("daemon_dead"), ...c.events("daemon_dead")]).toHaveLength(1);
      expect([...(await b.store.abandonedRuns()), ...(await c.store.abandonedRuns())]).toEqual([]);
      expect(b.store.view()).toMatchObject({ daemonsAlive: 2, storeUp: true });
      for (const daemon of [b, c]) await daemon.store.close();
    });

    it("a daemon cut off from the store stops claiming, fences itself before its lease can be taken, and rejoins", async () => {
      const proxy = await startTcpProxy();
      proxies.push(proxy);
      const cut = await openDaemon({ pid: 501, url: proxy.urlTo(db.url) });
      const survivor = await openDaemon({ pid: 502 });
      expect(cut.store.claiming).toBe(true);
      proxy.cut();
      // One failed renewal: the store is unreachable, nothing is claimed, the runs go on.
      await allAdvance(HEARTBEAT_MS, cut, survivor);
      expect(cut.store.claiming).toBe(false);
      expect(cut.events("store_unreachable")).toHaveLength(1);
      await expect(cut.store.claimFires(fires(1, "cut"))).rejects.toThrow();
      expect(cut.leaseLost).toBe(0);
      await allAdvance(HEARTBEAT_MS, cut, survivor);
      expect(cut.leaseLost).toBe(0);
      // 15 s without a renewal (lease 20 s, heartbeat 5 s): it interrupts its runs, once...
      await allAdvance(HEARTBEAT_MS, cut, survivor);
      expect(cut.leaseLost).toBe(1);
      expect(cut.events("lease_lost")).toHaveLength(1);
      // ...while its lease, by the store's clock, still holds: the survivor cannot take over yet.
      expect(survivor.events("daemon_dead")).toEqual([]);
      await allAdvance(HEARTBEAT_MS - 1, cut, survivor);
      expect(survivor.events("daemon_dead")).toEqual([]);
      expect(cut.leaseLost).toBe(1);
      // Past the lease: the survivor declares it dead.
      await allAdvance(HEARTBEAT_MS, cut, survivor);
      expect(survivor.events("daemon_dead")).toHaveLength(1);
      // The network is back: it rejoins under a new id and claims again.
      const oldId = cut.store.daemonId;
      proxy.restore();
      await allAdvance(1_000, cut, survivor);
      expect(cut.events("rejoined")).toHaveLength(1);
      expect(cut.store.daemonId).not.toBe(oldId);
      expect(cut.store.claiming).toBe(true);
      expect(await cut.store.claimFires(fires(1, "after-rejoin"))).toEqual([{ claimed: true, previousMs: undefined }]);
      for (const daemon of [cut, survivor]) await daemon.store.close();
    });

    it("a short cut heals without fencing or a new id", async () => {
      const proxy = await startTcpProxy();
      proxies.push(proxy);
      const blip = await openDaemon({ pid: 601, url: proxy.urlTo(db.url) });
      const id = blip.store.daemonId;
      proxy.cut();
      await allAdvance(HEARTBEAT_MS, blip);
      expect(blip.store.claiming).toBe(false);
      proxy.restore();
      await allAdvance(1_000, blip);
      expect(blip.store.claiming).toBe(true);
      expect(blip.store.daemonId).toBe(id);
      expect(blip.leaseLost).toBe(0);
      await blip.store.close();
    });

    it("flags daemons whose job definitions differ", async () => {
      const a = await openDaemon({ pid: 701, definitions: "v1" });
      const b = await openDaemon({ pid: 702, definitions: "v2" });
      await allAdvance(HEARTBEAT_MS, a, b);
      expect(a.store.view().definitionMismatch).toBe(true);
      expect(a.events("definition_mismatch")).toHaveLength(1);
      b.store.noteDefinitions("v1", "abc");
      await allAdvance(HEARTBEAT_MS, b, a);
      await allAdvance(HEARTBEAT_MS, a, b);
      expect(a.store.view().definitionMismatch).toBe(false);
      for (const daemon of [a, b]) await daemon.store.close();
    });
  });
});
