/**
 * The fire store of several daemons on one PostgreSQL (the `state:` of nomaflow.yaml). No leader
 * and no consensus of our own: the server's unique keys and row locks decide.
 *
 * - A fire is claimed by inserting (job, scheduled time) into `fires`: one statement a tick for
 *   every due fire, and a key that lets one daemon have it.
 * - Each daemon holds a lease in `daemons`, renewed every `heartbeatMs` and judged by the store's
 *   clock. A daemon that finds another's lease expired declares it dead (one statement, so one
 *   daemon does it), frees its job locks and marks its runs abandoned, reported by that daemon.
 * - Fencing: a daemon that has not renewed its lease for `leaseMs - fenceMarginMs` by its own
 *   monotonic clock (counted from when it sent the last renewal that succeeded, so never later
 *   than the store's expiry) stops claiming and interrupts its runs (`onLeaseLost`): they end
 *   before any other daemon may take its locks over. It rejoins by itself when the store answers.
 *
 * The store runs its own loop on the injected clock, apart from the scheduler's: a claim that
 * hangs on a dead connection must not keep the lease from being judged.
 */
import type pg from "pg";
import { processIsAlive, type IsAlive } from "../../files/processIsAlive.js";
import type { Clock } from "../clock.js";
import type { DaemonLog } from "../daemonLog.js";
import type { AbandonedRun, ClaimOutcome, FireClaim, FireStore, JobLockResult, LockRequest, OpenedFireStore, StartedRun } from "../fireStore.js";
import type { ClusterView } from "../metrics.js";
import type { ChainClaim, ChainClaimOutcome, ChainStore, EndedRun, UpstreamRun } from "../chains/chainStore.js";
import { abandonGoneManualRuns, readAbandonedRuns, sweepDeadDaemons } from "./abandonedSweep.js";
import { claimStoredChain, latestStoredRunsFor, StoredRunEnds } from "./chainClaims.js";
import { DaemonLease, type DaemonIdentity } from "./daemonLease.js";
import { pruneStore } from "./pruneStore.js";
import { StoreSql } from "./storeSql.js";

export interface ClusterFireStoreOptions {
  /** Owned by the caller, closed after `close`. */
  pool: pg.Pool;
  /** The state schema, quoted. */
  schema: string;
  identity: DaemonIdentity;
  heartbeatMs: number;
  leaseMs: number;
  keepDays: number;
  clock: Clock;
  log: DaemonLog;
  /** The lease is lost: interrupt every run going. */
  onLeaseLost: () => void;
  /** Local elapsed time for fencing, ms. @default performance.now */
  elapsed?: () => number;
  /** The store's time, as SQL (tests pass a clock of their own). @default clock_timestamp() */
  storeNow?: string;
  /** @default processIsAlive */
  isAlive?: IsAlive;
}

/** A job lock this daemon took for a run (under the id it had then). */
interface HeldLock {
  jobId: string;
  runId: string;
  daemonId: string;
}

/** A run's end on its way to the store: its status, and its job lock to free. */
interface EndingRun {
  runId: string;
  status?: string;
  lock?: HeldLock;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** How often the store's own loop looks at its lease. */
const TICK_MS = 500;
/** How often runs of `nomaflow run` on this host are checked for a dead process. */
const MANUAL_RUNS_EVERY_MS = 60_000;
/** How often old fires, runs and events are pruned. */
const PRUNE_EVERY_MS = 3_600_000;

export class ClusterFireStore implements FireStore, ChainStore {
  readonly #options: ClusterFireStoreOptions;
  readonly #sql: StoreSql;
  readonly #lease: DaemonLease;
  readonly #elapsed: () => number;
  readonly #isAlive: IsAlive;
  #closed = false;
  #manualCheckAt = 0;
  #pruneAt = 0;
  #loop: Promise<void> | undefined;
  readonly #wake = new AbortController();
  readonly #lastFire = new Map<string, number>();
  readonly #found: AbandonedRun[] = [];
  readonly #going = new Set<string>();
  /** Runs ended (and locks to free) not yet recorded in the store, by run id. */
  readonly #ending = new Map<string, EndingRun>();
  #endsSent: Promise<void> | undefined;
  /** Scheduled runs recorded with their claim, not yet told started. */
  readonly #registered = new Set<string>();
  #leasesExpired = 0;
  readonly #runEnds = new StoredRunEnds();

  constructor(options: ClusterFireStoreOptions) {
    this.#options = options;
    this.#sql = new StoreSql(options.pool, options.schema, options.storeNow);
    this.#elapsed = options.elapsed ?? (() => performance.now());
    this.#isAlive = options.isAlive ?? processIsAlive;
    this.#lease = new DaemonLease({
      sql: this.#sql,
      identity: options.identity,
      heartbeatMs: options.heartbeatMs,
      leaseMs: options.leaseMs,
      log: options.log,
      onLeaseLost: options.onLeaseLost,
      elapsed: this.#elapsed,
      runsGoing: () => this.#going.size,
    });
  }

  /** After a reload: the new job definitions, recorded at the next renewal. */
  noteDefinitions(definitionsHash: string, projectRevision: string): void {
    this.#lease.noteDefinitions(definitionsHash, projectRevision);
  }

  /** This daemon's id in the store (a new one after it rejoins). */
  get daemonId(): string {
    return this.#lease.id;
  }

  get claiming(): boolean {
    return this.#sql.up && !this.#lease.lost && !this.#closed;
  }

  /** The gauges of /metrics. */
  view(): ClusterView {
    return {
      storeUp: this.#sql.up,
      daemonsAlive: this.#lease.daemonsAlive,
      leasesExpired: this.#leasesExpired,
      leaseLost: this.#lease.lostCount,
      definitionMismatch: this.#lease.definitionMismatch,
      statements: this.#sql.statements,
    };
  }

  async open(jobIds: readonly string[]): Promise<OpenedFireStore> {
    await this.#lease.register();
    const { rows } = await this.#sql.query<{ job_id: string; ms: string }>(
      `select job_id, (extract(epoch from max(scheduled_for)) * 1000)::float8 as ms from ${this.#sql.schema}.fires where job_id = any($1) group by job_id`,
      [jobIds],
    );
    for (const row of rows) this.#lastFire.set(row.job_id, Number(row.ms));
    const previous = await this.#sql.query<{ alive_ms: string | null; clean: boolean | null }>(
      `select (extract(epoch from max(coalesce(stopped_at, least(heartbeat_at, ${this.#sql.now})))) * 1000)::float8 as alive_ms,
              bool_and(stopped_at is not null or (dead_at is null and lease_until >= ${this.#sql.now})) as clean
         from ${this.#sql.schema}.daemons where id <> $1`,
      [this.#lease.id],
    );
    await this.#lease.renew();
    await this.maintain();
    this.#loop = this.#run();
    const row = previous.rows[0];
    if (!row || row.alive_ms === null) return { previous: undefined };
    return { previous: { lastAliveMs: Math.round(Number(row.alive_ms)), stoppedCleanly: row.clean === true } };
  }

  async lastScheduledFire(jobId: string): Promise<number | undefined> {
    return this.#lastFire.get(jobId);
  }

  claimsFirst({ jobId, scheduledForMs }: FireClaim): boolean {
    return this.#lease.claimsFirst(jobId, scheduledForMs);
  }

  /**
   * One statement for a tick: claims the fires, takes the locks of `forbid` runs, and records the
   * runs that start as going (so a crash a moment later leaves them to report and rerun). A lock
   * held by a run the store knows has ended (its release lost with its daemon) is taken over.
   */
  async claimFires(fires: readonly FireClaim[]): Promise<ClaimOutcome[]> {
    if (fires.length === 0) return [];
    // In job order, as every daemon inserts them: two daemons claiming overlapping fires at once
    // then wait for each other in one order, never in a cycle.
    const ordered = [...fires].sort((a, b) => byText(a.jobId, b.jobId) || a.scheduledForMs - b.scheduledForMs);
    for (let attempt = 1; ; attempt++) {
      try {
        const outcomes = new Map(ordered.map((fire, index) => [fire, index]));
        const result = await this.#claimOrdered(ordered);
        return fires.map((fire) => result[outcomes.get(fire)!]!);
      } catch (error) {
        if ((error as { code?: string }).code !== "40P01" || attempt >= 3) throw error;
      }
    }
  }

  async #claimOrdered(fires: readonly FireClaim[]): Promise<ClaimOutcome[]> {
    const s = this.#sql.schema;
    const { host, pid } = this.#options.identity;
    const { rows } = await this.#sql.query<{ alive: number; claimed: Array<[string, number, number | null, boolean, string | null]> }>(
      `with me as (
         select 1 from ${s}.daemons where id = $3 and dead_at is null and stopped_at is null and lease_until > ${this.#sql.now}
       ), wanted as (
         select c.job_id, c.at, c.run_id, c.trigger, c.scheduled_for, c.forbid,
                (select max(f.scheduled_for) from ${s}.fires f where f.job_id = c.job_id) as previous
           from unnest($1::text[], $2::timestamptz[], $4::text[], $5::text[], $6::text[], $7::boolean[])
             as c(job_id, at, run_id, trigger, scheduled_for, forbid)
       ), claimed as (
         insert into ${s}.fires (job_id, scheduled_for, daemon_id, claimed_at)
         select w.job_id, w.at, $3, ${this.#sql.now} from wanted w
          where exists (select 1 from me) and (w.previous is null or w.previous < w.at)
         on conflict do nothing
         returning job_id, scheduled_for
       ), won as (
         select w.* from wanted w join claimed c on c.job_id = w.job_id and c.scheduled_for = w.at
       ), locked as (
         insert into ${s}.job_locks as l (job_id, daemon_id, run_id, locked_at)
         select job_id, $3, run_id, ${this.#sql.now} from won where run_id is not null and forbid order by job_id
         on conflict (job_id) do update set daemon_id = excluded.daemon_id, run_id = excluded.run_id, locked_at = excluded.locked_at
          where exists (select 1 from ${s}.runs r where r.run_id = l.run_id and r.status <> 'running')
         returning job_id, run_id
       ), started as (
         insert into ${s}.runs (run_id, job_id, daemon_id, host, pid, trigger, scheduled_for, status, started_at)
         select w.run_id, w.job_id, $3, $8, $9, w.trigger, w.scheduled_for, 'running', ${this.#sql.now} from won w
          where w.run_id is not null and (not w.forbid or exists (select 1 from locked k where k.run_id = w.run_id))
          order by w.run_id
         on conflict (run_id) do nothing
         returning run_id
       )
       select (select count(*) from me)::int as alive,
              coalesce((select json_agg(json_build_array(w.job_id, extract(epoch from w.at) * 1000, extract(epoch from w.previous) * 1000,
                                                         exists (select 1 from locked k where k.run_id = w.run_id),
                                                         (select h.run_id from ${s}.job_locks h where h.job_id = w.job_id)))
                          from won w), '[]'::json) as claimed,
              (select count(*) from started)::int as started`,
      [
        fires.map((fire) => fire.jobId),
        fires.map((fire) => new Date(fire.scheduledForMs).toISOString()),
        this.#lease.id,
        fires.map((fire) => fire.run?.runId ?? null),
        fires.map((fire) => fire.run?.trigger ?? null),
        fires.map((fire) => fire.run?.scheduledFor ?? null),
        fires.map((fire) => fire.run?.forbid ?? false),
        host,
        pid,
      ],
    );
    const result = rows[0]!;
    if (result.alive === 0) {
      // The store no longer counts this daemon alive: claim nothing until the lease is back.
      this.#sql.up = false;
      this.#wake.abort();
      throw new Error("this daemon's lease in the state store has expired; fires are kept until it is renewed");
    }
    const won = new Map(result.claimed.map((entry) => [`${entry[0]}\u0000${Math.round(entry[1])}`, entry]));
    const daemonId = this.#lease.id;
    return fires.map(({ jobId, scheduledForMs, run }): ClaimOutcome => {
      const entry = won.get(`${jobId}\u0000${scheduledForMs}`);
      if (!entry) return { claimed: false, previousMs: undefined };
      const [, , previous, locked, holder] = entry;
      this.#lastFire.set(jobId, Math.max(this.#lastFire.get(jobId) ?? scheduledForMs, scheduledForMs));
      const outcome: ClaimOutcome = { claimed: true, previousMs: previous === null ? undefined : Math.round(previous) };
      if (run && (!run.forbid || locked)) this.#registered.add(run.runId);
      if (run?.forbid) {
        outcome.lock = locked
          ? { acquired: true, lock: { release: () => this.#queueEnd({ runId: run.runId, lock: { jobId, runId: run.runId, daemonId } }) } }
          : { acquired: false, heldBy: holder };
      }
      return outcome;
    });
  }

  async latestRunsFor(jobIds: readonly string[], atMs: number): Promise<Map<string, UpstreamRun>> {
    return latestStoredRunsFor(this.#sql, jobIds, atMs);
  }

  async endedElsewhere(jobIds: readonly string[], sinceMs: number): Promise<EndedRun[]> {
    return this.#runEnds.endedSince(this.#sql, this.#lease.id, jobIds, sinceMs);
  }

  /** The claim, the lock (forbid) and the run's row in one statement (chainClaims.ts). */
  async claimChain(claim: ChainClaim): Promise<ChainClaimOutcome> {
    const found = await claimStoredChain(this.#sql, this.#lease.id, this.#options.identity, claim);
    if (!found.alive) {
      this.#sql.up = false;
      this.#wake.abort();
      throw new Error("this daemon's lease in the state store has expired; chained runs wait until it is renewed");
    }
    if (!found.claimed) return claim.forbid && !found.locked && !found.takenBefore ? { outcome: "busy", heldBy: found.holder } : { outcome: "taken" };
    this.#registered.add(claim.runId);
    const daemonId = this.#lease.id;
    const lock = claim.forbid
      ? { release: () => this.#queueEnd({ runId: claim.runId, lock: { jobId: claim.jobId, runId: claim.runId, daemonId } }) }
      : undefined;
    return { outcome: "claimed", lock };
  }

  async tryLockJobs(requests: readonly LockRequest[]): Promise<JobLockResult[]> {
    if (requests.length === 0) return [];
    const s = this.#sql.schema;
    const daemonId = this.#lease.id;
    // The holder read beside the insert sees the table as it was before it: the run refused by.
    const { rows } = await this.#sql.query<{ n: string; acquired: boolean; held_by: string | null }>(
      `with wanted as (
         select r.job_id, r.run_id, r.n from unnest($1::text[], $2::text[]) with ordinality as r(job_id, run_id, n)
       ), taken as (
         insert into ${s}.job_locks as l (job_id, daemon_id, run_id, locked_at)
         select distinct on (job_id) job_id, $3, run_id, ${this.#sql.now} from wanted
          where exists (select 1 from ${s}.daemons where id = $3 and dead_at is null and stopped_at is null)
          order by job_id, n
         on conflict (job_id) do update set daemon_id = excluded.daemon_id, run_id = excluded.run_id, locked_at = excluded.locked_at
          where exists (select 1 from ${s}.runs r where r.run_id = l.run_id and r.status <> 'running')
         returning job_id, run_id
       )
       select w.n, t.run_id is not null as acquired, l.run_id as held_by
         from wanted w
         left join taken t on t.job_id = w.job_id and t.run_id = w.run_id
         left join ${s}.job_locks l on l.job_id = w.job_id
        order by w.n`,
      [requests.map((request) => request.jobId), requests.map((request) => request.runId), daemonId],
    );
    return rows.map((row, index): JobLockResult => {
      if (!row.acquired) return { acquired: false, heldBy: row.held_by };
      const { jobId, runId } = requests[index]!;
      return { acquired: true, lock: { release: () => this.#queueEnd({ runId, lock: { jobId, runId, daemonId } }) } };
    });
  }

  /**
   * Records a run's end and frees its lock, batched: the ends of a tick go in one statement, sent
   * as soon as the current turn of the event loop is over. Ends the store did not take (cut off
   * as the run ended) stay queued and go with the next upkeep once it answers: else the job would
   * stay locked by a finished run, skipped on every host until this daemon stops.
   */
  #queueEnd(end: EndingRun): Promise<void> {
    const queued = this.#ending.get(end.runId);
    this.#ending.set(end.runId, { runId: end.runId, status: end.status ?? queued?.status, lock: end.lock ?? queued?.lock });
    if (!this.#endsSent) {
      this.#endsSent = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.#endsSent = undefined;
        return this.#sendEnds();
      });
      // Whoever awaits it sees a failure; nobody awaiting it is no crash (the upkeep sends again).
      this.#endsSent.catch(() => undefined);
    }
    return this.#endsSent;
  }

  async #sendEnds(): Promise<void> {
    const ends = [...this.#ending.values()];
    if (ends.length === 0) return;
    // Rows are locked in run id and job id order, as every batch statement on these tables does,
    // so that this and the history writer (or another daemon's claim) never deadlock.
    const withStatus = ends.filter((end) => end.status !== undefined).sort((a, b) => byText(a.runId, b.runId));
    const locks = ends.flatMap((end) => (end.lock ? [end.lock] : [])).sort((a, b) => byText(a.jobId, b.jobId));
    const s = this.#sql.schema;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#sql.execute(
          `with ends as (
             select e.run_id, e.status from unnest($1::text[], $2::text[]) as e(run_id, status)
           ), going as (
             select r.run_id from ${s}.runs r where r.run_id in (select run_id from ends) and r.status = 'running' order by r.run_id for update
           ), ended as (
             update ${s}.runs r set status = e.status from ends e where r.run_id = e.run_id and r.run_id in (select run_id from going)
             returning r.run_id
           ), held as (
             select l.job_id from ${s}.job_locks l, unnest($3::text[], $4::text[], $5::text[]) as f(job_id, daemon_id, run_id)
              where l.job_id = f.job_id and l.daemon_id = f.daemon_id and l.run_id = f.run_id
              order by l.job_id for update of l
           ), freed as (
             delete from ${s}.job_locks l where l.job_id in (select job_id from held) returning l.job_id
           )
           select (select count(*) from ended) as ended, (select count(*) from freed) as freed`,
          [
            withStatus.map((end) => end.runId),
            withStatus.map((end) => end.status),
            locks.map((lock) => lock.jobId),
            locks.map((lock) => lock.daemonId),
            locks.map((lock) => lock.runId),
          ],
        );
        break;
      } catch (error) {
        // Two statements locking the same rows at once: one is chosen to fail; it is safe to resend.
        if ((error as { code?: string }).code !== "40P01" || attempt >= 3) throw error;
      }
    }
    for (const end of ends) if (this.#ending.get(end.runId) === end) this.#ending.delete(end.runId);
  }

  async runStarted(run: StartedRun): Promise<void> {
    this.#going.add(run.runId);
    // Recorded with its claim already (a scheduled run); a recovery run is recorded here.
    if (this.#registered.delete(run.runId)) return;
    const { host, pid } = this.#options.identity;
    await this.#sql.execute(
      `insert into ${this.#sql.schema}.runs (run_id, job_id, daemon_id, host, pid, trigger, scheduled_for, status, started_at, recovery_of)
       values ($1, $2, $3, $4, $5, $6, $7, 'running', ${this.#sql.now}, $8)
       on conflict (run_id) do update set daemon_id = excluded.daemon_id, recovery_of = coalesce(${this.#sql.schema}.runs.recovery_of, excluded.recovery_of)`,
      [run.runId, run.jobId, this.#lease.id, host, pid, run.trigger, run.scheduledFor, run.recoveryOf ?? null],
    );
  }

  async runFinished(_jobId: string, runId: string, status: "succeeded" | "failed" | "interrupted"): Promise<void> {
    this.#going.delete(runId);
    this.#registered.delete(runId);
    // The history writer records the run's whole end; this marks it ended at once, so that its
    // daemon dying a moment later does not have it reported abandoned and rerun.
    await this.#queueEnd({ runId, status });
  }

  async abandonedRuns(): Promise<AbandonedRun[]> {
    return this.#found.splice(0);
  }

  async markAbandonedReported(runId: string): Promise<void> {
    await this.#sql.execute(`update ${this.#sql.schema}.runs set abandoned_reported_at = ${this.#sql.now} where run_id = $1`, [runId]);
  }

  async claimRecovery(runId: string): Promise<boolean> {
    const { rowCount } = await this.#sql.query(
      `update ${this.#sql.schema}.runs set recovery_claimed_by = $2 where run_id = $1 and recovery_claimed_by is null`,
      [runId, this.#lease.id],
    );
    return rowCount === 1;
  }

  /** The store keeps its lease on a loop of its own (see the top of this file). */
  async heartbeat(): Promise<void> {}

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake.abort();
    await this.#loop;
    try {
      await this.#sql.query(`update ${this.#sql.schema}.daemons set stopped_at = ${this.#sql.now}, runs_going = 0 where id = $1`, [this.#lease.id]);
      await this.#sql.query(`delete from ${this.#sql.schema}.job_locks where daemon_id = $1`, [this.#lease.id]);
    } catch (error) {
      this.#options.log.error("store_error", null, { error: (error as Error).message, doing: "recording the stop" });
    }
  }

  /** The store's own loop: the lease judged every tick, the rest of the upkeep one pass at a time. */
  async #run(): Promise<void> {
    const { clock } = this.#options;
    let upkeep: Promise<void> | undefined;
    while (!this.#closed) {
      await clock.sleep(Math.min(TICK_MS, this.#options.heartbeatMs), this.#wake.signal);
      if (this.#closed) break;
      this.#lease.fence();
      upkeep ??= this.maintain()
        .catch((error: Error) => this.#options.log.error("store_error", null, { error: error.message }))
        .finally(() => (upkeep = undefined));
    }
    await upkeep;
  }

  /**
   * One pass of upkeep: the lease judged, renewed when due (every tick while the store fails),
   * dead daemons swept, runs of `nomaflow run` on this host checked, old rows pruned. Tests call
   * it directly; the loop calls it every tick.
   */
  async maintain(): Promise<void> {
    const lease = this.#lease;
    lease.fence();
    if (lease.renewalDue) await lease.renew();
    if (!this.#sql.up || lease.lost || this.#closed) return;
    try {
      if (this.#ending.size > 0) await this.#sendEnds();
      if (this.#elapsed() >= lease.sweepAt) {
        lease.sweepAt = Infinity;
        const swept = await sweepDeadDaemons(this.#sql, lease.id);
        for (const daemon of swept.dead) {
          this.#leasesExpired++;
          this.#options.log.warn("daemon_dead", null, { ...daemon, reason: "lease expired" });
        }
        this.#found.push(...(await readAbandonedRuns(this.#sql, swept.runIds)));
      }
      if (this.#elapsed() >= this.#manualCheckAt) {
        this.#manualCheckAt = this.#elapsed() + MANUAL_RUNS_EVERY_MS;
        const gone = await abandonGoneManualRuns(this.#sql, this.#options.identity.host, lease.id, this.#isAlive);
        this.#found.push(...(await readAbandonedRuns(this.#sql, gone)));
      }
      if (this.#elapsed() >= this.#pruneAt) {
        this.#pruneAt = this.#elapsed() + PRUNE_EVERY_MS;
        const pruned = await pruneStore(this.#sql, this.#options.keepDays);
        if (pruned && pruned.runs + pruned.events + pruned.fires + pruned.daemons > 0) {
          this.#options.log.info("pruned", null, { keep_days: this.#options.keepDays, ...pruned });
        }
      }
    } catch (error) {
      this.#options.log.error("store_error", null, { error: (error as Error).message });
    }
  }
}
