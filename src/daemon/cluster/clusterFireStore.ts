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
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { processIsAlive, type IsAlive } from "../../files/processIsAlive.js";
import { summarizeRun, type RunSummary } from "../../run-logs/readRunLog.js";
import type { RunEvent } from "../../run-logs/runEvents.js";
import type { Clock } from "../clock.js";
import type { DaemonLog } from "../daemonLog.js";
import type { AbandonedRun, ClaimOutcome, FireClaim, FireStore, JobLockResult, LockRequest, OpenedFireStore, StartedRun } from "../fireStore.js";
import type { ClusterView } from "../metrics.js";
import { firstClaimer } from "./claimShare.js";

export interface DaemonIdentity {
  host: string;
  pid: number;
  version: string;
  projectRevision: string;
  definitionsHash: string;
  maxRuns: number | undefined;
}

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

/** A live daemon as the last renewal read it. */
export interface LiveDaemon {
  id: string;
  host: string;
  pid: number;
  definitionsHash: string;
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

export class ClusterFireStore implements FireStore {
  readonly #options: ClusterFireStoreOptions;
  readonly #s: string;
  readonly #now: string;
  readonly #elapsed: () => number;
  readonly #isAlive: IsAlive;
  #id = randomUUID();
  #live: LiveDaemon[] = [];
  /** How many daemons share first claims (those renewing on time), and this one's place among them. */
  #sharers = 1;
  #rank = 0;
  #storeUp = false;
  #leaseLost = false;
  #closed = false;
  /** Elapsed time when the last successful renewal was sent. */
  #renewedAt = 0;
  #renewFailed = false;
  #sweepAt = Infinity;
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
  #statements = 0;
  #leasesExpired = 0;
  #leaseLostCount = 0;
  #mismatch = false;

  constructor(options: ClusterFireStoreOptions) {
    this.#options = options;
    this.#s = options.schema;
    this.#now = options.storeNow ?? "clock_timestamp()";
    this.#elapsed = options.elapsed ?? (() => performance.now());
    this.#isAlive = options.isAlive ?? processIsAlive;
  }

  /** After a reload: the new job definitions, recorded at the next renewal. */
  noteDefinitions(definitionsHash: string, projectRevision: string): void {
    this.#options.identity = { ...this.#options.identity, definitionsHash, projectRevision };
  }

  /** This daemon's id in the store (a new one after it rejoins). */
  get daemonId(): string {
    return this.#id;
  }

  get claiming(): boolean {
    return this.#storeUp && !this.#leaseLost && !this.#closed;
  }

  /** The gauges of /metrics. */
  view(): ClusterView {
    return {
      storeUp: this.#storeUp,
      daemonsAlive: this.#live.length,
      leasesExpired: this.#leasesExpired,
      leaseLost: this.#leaseLostCount,
      definitionMismatch: this.#mismatch,
      statements: this.#statements,
    };
  }

  async open(jobIds: readonly string[]): Promise<OpenedFireStore> {
    await this.#register();
    const { rows } = await this.#query<{ job_id: string; ms: string }>(
      `select job_id, (extract(epoch from max(scheduled_for)) * 1000)::float8 as ms from ${this.#s}.fires where job_id = any($1) group by job_id`,
      [jobIds],
    );
    for (const row of rows) this.#lastFire.set(row.job_id, Number(row.ms));
    const previous = await this.#query<{ alive_ms: string | null; clean: boolean | null }>(
      `select (extract(epoch from max(coalesce(stopped_at, least(heartbeat_at, ${this.#now})))) * 1000)::float8 as alive_ms,
              bool_and(stopped_at is not null or (dead_at is null and lease_until >= ${this.#now})) as clean
         from ${this.#s}.daemons where id <> $1`,
      [this.#id],
    );
    await this.#renew();
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
    return firstClaimer(jobId, scheduledForMs, this.#sharers) === this.#rank;
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
    const s = this.#s;
    const { host, pid } = this.#options.identity;
    const { rows } = await this.#query<{ alive: number; claimed: Array<[string, number, number | null, boolean, string | null]> }>(
      `with me as (
         select 1 from ${s}.daemons where id = $3 and dead_at is null and stopped_at is null and lease_until > ${this.#now}
       ), wanted as (
         select c.job_id, c.at, c.run_id, c.trigger, c.scheduled_for, c.forbid,
                (select max(f.scheduled_for) from ${s}.fires f where f.job_id = c.job_id) as previous
           from unnest($1::text[], $2::timestamptz[], $4::text[], $5::text[], $6::text[], $7::boolean[])
             as c(job_id, at, run_id, trigger, scheduled_for, forbid)
       ), claimed as (
         insert into ${s}.fires (job_id, scheduled_for, daemon_id, claimed_at)
         select w.job_id, w.at, $3, ${this.#now} from wanted w
          where exists (select 1 from me) and (w.previous is null or w.previous < w.at)
         on conflict do nothing
         returning job_id, scheduled_for
       ), won as (
         select w.* from wanted w join claimed c on c.job_id = w.job_id and c.scheduled_for = w.at
       ), locked as (
         insert into ${s}.job_locks as l (job_id, daemon_id, run_id, locked_at)
         select job_id, $3, run_id, ${this.#now} from won where run_id is not null and forbid order by job_id
         on conflict (job_id) do update set daemon_id = excluded.daemon_id, run_id = excluded.run_id, locked_at = excluded.locked_at
          where exists (select 1 from ${s}.runs r where r.run_id = l.run_id and r.status <> 'running')
         returning job_id, run_id
       ), started as (
         insert into ${s}.runs (run_id, job_id, daemon_id, host, pid, trigger, scheduled_for, status, started_at)
         select w.run_id, w.job_id, $3, $8, $9, w.trigger, w.scheduled_for, 'running', ${this.#now} from won w
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
        this.#id,
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
      this.#storeUp = false;
      this.#wake.abort();
      throw new Error("this daemon's lease in the state store has expired; fires are kept until it is renewed");
    }
    const won = new Map(result.claimed.map((entry) => [`${entry[0]}\u0000${Math.round(entry[1])}`, entry]));
    const daemonId = this.#id;
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

  async tryLockJobs(requests: readonly LockRequest[]): Promise<JobLockResult[]> {
    if (requests.length === 0) return [];
    const s = this.#s;
    const daemonId = this.#id;
    // The holder read beside the insert sees the table as it was before it: the run refused by.
    const { rows } = await this.#query<{ n: string; acquired: boolean; held_by: string | null }>(
      `with wanted as (
         select r.job_id, r.run_id, r.n from unnest($1::text[], $2::text[]) with ordinality as r(job_id, run_id, n)
       ), taken as (
         insert into ${s}.job_locks as l (job_id, daemon_id, run_id, locked_at)
         select distinct on (job_id) job_id, $3, run_id, ${this.#now} from wanted
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
    const s = this.#s;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#execute(
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
    await this.#execute(
      `insert into ${this.#s}.runs (run_id, job_id, daemon_id, host, pid, trigger, scheduled_for, status, started_at, recovery_of)
       values ($1, $2, $3, $4, $5, $6, $7, 'running', ${this.#now}, $8)
       on conflict (run_id) do update set daemon_id = excluded.daemon_id, recovery_of = coalesce(${this.#s}.runs.recovery_of, excluded.recovery_of)`,
      [run.runId, run.jobId, this.#id, host, pid, run.trigger, run.scheduledFor, run.recoveryOf ?? null],
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
    await this.#execute(`update ${this.#s}.runs set abandoned_reported_at = ${this.#now} where run_id = $1`, [runId]);
  }

  async claimRecovery(runId: string): Promise<boolean> {
    const { rowCount } = await this.#query(`update ${this.#s}.runs set recovery_claimed_by = $2 where run_id = $1 and recovery_claimed_by is null`, [
      runId,
      this.#id,
    ]);
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
      await this.#query(`update ${this.#s}.daemons set stopped_at = ${this.#now}, runs_going = 0 where id = $1`, [this.#id]);
      await this.#query(`delete from ${this.#s}.job_locks where daemon_id = $1`, [this.#id]);
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
      this.#fence();
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
    this.#fence();
    const since = this.#elapsed() - this.#renewedAt;
    if (this.#renewFailed || !this.#storeUp || this.#leaseLost || since >= this.#options.heartbeatMs) await this.#renew();
    if (!this.#storeUp || this.#leaseLost || this.#closed) return;
    try {
      if (this.#ending.size > 0) await this.#sendEnds();
      if (this.#elapsed() >= this.#sweepAt) await this.#sweep();
      if (this.#elapsed() >= this.#manualCheckAt) await this.#checkManualRuns();
      if (this.#elapsed() >= this.#pruneAt) await this.#prune();
    } catch (error) {
      this.#options.log.error("store_error", null, { error: (error as Error).message });
    }
  }

  /**
   * Lost when the last good renewal was sent longer ago than the lease less one heartbeat: with a
   * lease of at least three heartbeats, that is two renewals missed, and it leaves a heartbeat for
   * the runs to stop before the store's clock lets another daemon take over.
   */
  #fence(): void {
    const { leaseMs, heartbeatMs, log } = this.#options;
    const margin = Math.min(heartbeatMs, leaseMs / 3);
    const silentMs = this.#elapsed() - this.#renewedAt;
    if (this.#leaseLost || silentMs < leaseMs - margin) return;
    this.#leaseLost = true;
    this.#leaseLostCount++;
    log.error("lease_lost", null, {
      silent_s: Math.round(silentMs / 1000),
      lease_s: leaseMs / 1000,
      runs_going: this.#going.size,
      action: "claiming stopped, runs interrupted; rejoining when the store answers",
    });
    this.#options.onLeaseLost();
  }

  async #register(): Promise<void> {
    const { host, pid, version, projectRevision, definitionsHash, maxRuns } = this.#options.identity;
    const sentAt = this.#elapsed();
    await this.#query(
      `insert into ${this.#s}.daemons (id, host, pid, version, project_revision, definitions_hash, max_runs, started_at, heartbeat_at, lease_until)
       values ($1, $2, $3, $4, $5, $6, $7, ${this.#now}, ${this.#now}, ${this.#now} + $8 * interval '1 millisecond')`,
      [this.#id, host, pid, version, projectRevision, definitionsHash, maxRuns ?? null, this.#options.leaseMs],
    );
    this.#renewedAt = sentAt;
    this.#storeUp = true;
  }

  /** Renews the lease and reads who is alive; rejoins under a new id when declared dead meanwhile. */
  async #renew(): Promise<void> {
    const { identity, leaseMs, heartbeatMs, log } = this.#options;
    const s = this.#s;
    const sentAt = this.#elapsed();
    let rows;
    try {
      ({ rows } = await this.#query<{ id: string; host: string; pid: number; definitions_hash: string; renewed: number; remaining_ms: string }>(
        `with renewed as (
           update ${s}.daemons
              set heartbeat_at = ${this.#now}, lease_until = ${this.#now} + $2 * interval '1 millisecond',
                  runs_going = $3, definitions_hash = $4, project_revision = $5
            where id = $1 and dead_at is null and stopped_at is null
           returning id
         )
         select d.id, d.host, d.pid, d.definitions_hash, (select count(*) from renewed)::int as renewed,
                (extract(epoch from (d.lease_until - ${this.#now})) * 1000)::float8 as remaining_ms
           from ${s}.daemons d
          where d.dead_at is null and d.stopped_at is null
          order by d.id`,
        [this.#id, leaseMs, this.#going.size, identity.definitionsHash, identity.projectRevision],
      ));
    } catch (error) {
      if (!this.#renewFailed) log.error("store_unreachable", null, { error: (error as Error).message, action: "claiming stopped until the lease is renewed" });
      this.#renewFailed = true;
      this.#storeUp = false;
      return;
    }
    const wasDown = !this.#storeUp || this.#leaseLost;
    if (rows[0] === undefined || rows[0].renewed === 0) {
      // Declared dead while cut off: its runs were reported and its locks freed. Start afresh.
      const old = this.#id;
      this.#id = randomUUID();
      await this.#register();
      log.warn("rejoined", null, { previous_id: old, id: this.#id });
      this.#leaseLost = false;
      this.#renewFailed = false;
      return this.#renew();
    }
    this.#renewedAt = sentAt;
    this.#renewFailed = false;
    this.#storeUp = true;
    if (this.#leaseLost) log.info("lease_renewed", null, { id: this.#id });
    else if (wasDown) log.info("store_reachable", null, { id: this.#id });
    this.#leaseLost = false;
    const me = this.#id;
    this.#live = rows
      .filter((row) => row.id === me || Number(row.remaining_ms) >= 0)
      .map((row) => ({ id: row.id, host: row.host, pid: row.pid, definitionsHash: row.definitions_hash }));
    // First claims go to the daemons renewing on time: one silent for over a heartbeat (a fifth more for a slow statement) is
    // likely dead (its lease not yet over), and its share waiting for the hand-off would make
    // every fire of that share late until it is declared dead. A daemon left out that is alive
    // after all still claims, after the hand-off; never twice, the claim being unique.
    const onTime = rows.filter((row) => row.id === me || Number(row.remaining_ms) > leaseMs - 1.2 * heartbeatMs);
    this.#sharers = Math.max(1, onTime.length);
    this.#rank = Math.max(
      0,
      onTime.findIndex((row) => row.id === me),
    );
    // The next sweep: now when a lease has expired, else when the first one would, if before the next renewal.
    const others = rows.filter((row) => row.id !== me).map((row) => Number(row.remaining_ms));
    const soonest = others.length === 0 ? Infinity : Math.min(...others);
    this.#sweepAt = soonest <= 0 ? 0 : soonest < heartbeatMs ? this.#elapsed() + soonest + 50 : Infinity;
    this.#compareDefinitions();
  }

  #compareDefinitions(): void {
    const hashes = new Set(this.#live.map((daemon) => daemon.definitionsHash));
    const mismatch = hashes.size > 1;
    if (mismatch !== this.#mismatch) {
      const mine = this.#options.identity.definitionsHash;
      const others = this.#live.filter((daemon) => daemon.definitionsHash !== mine).map((daemon) => `${daemon.host}:${daemon.pid}`);
      if (mismatch)
        this.#options.log.warn("definition_mismatch", null, {
          this_daemon: mine,
          differing: others.join(","),
          hint: "deploy the same job files to every host",
        });
      else this.#options.log.info("definitions_agree", null, { hash: mine });
    }
    this.#mismatch = mismatch;
  }

  /**
   * Declares dead every daemon whose lease expired, frees its locks and marks its runs abandoned,
   * in one statement: when two survivors look at once, the row lock gives each daemon to one.
   * Also adopts abandoned runs whose reporter died before reporting them.
   */
  async #sweep(): Promise<void> {
    const s = this.#s;
    this.#sweepAt = Infinity;
    const { rows } = await this.#query<{ kind: string; id: string; job_id: string | null; host: string | null; pid: number | null }>(
      `with dead as (
         update ${s}.daemons set dead_at = ${this.#now}, declared_dead_by = $1
          where dead_at is null and stopped_at is null and lease_until < ${this.#now} and id <> $1
         returning id, host, pid
       ), freed as (
         delete from ${s}.job_locks where daemon_id in (select id from dead) returning job_id
       ), abandoned as (
         update ${s}.runs set status = 'abandoned', abandoned_at = ${this.#now}, abandoned_by = $1
          where status = 'running' and daemon_id in (select id from dead)
         returning run_id, job_id
       ), adopted as (
         update ${s}.runs set abandoned_by = $1
          where status = 'abandoned' and abandoned_reported_at is null and abandoned_by <> $1
            and abandoned_by in (select id from ${s}.daemons where dead_at is not null or stopped_at is not null)
         returning run_id, job_id
       )
       select 'dead' as kind, id, null as job_id, host, pid from dead
       union all select 'run', run_id, job_id, null, null from abandoned
       union all select 'run', run_id, job_id, null, null from adopted
       union all select 'freed', job_id, null, null, null from freed`,
      [this.#id],
    );
    for (const row of rows.filter((row) => row.kind === "dead")) {
      this.#leasesExpired++;
      this.#options.log.warn("daemon_dead", null, { id: row.id, host: row.host, pid: row.pid, reason: "lease expired" });
    }
    await this.#collectAbandoned(rows.filter((row) => row.kind === "run").map((row) => row.id));
  }

  /** Runs of `nomaflow run` on this host whose process is gone: abandoned, once. */
  async #checkManualRuns(): Promise<void> {
    this.#manualCheckAt = this.#elapsed() + MANUAL_RUNS_EVERY_MS;
    const { host } = this.#options.identity;
    const { rows } = await this.#query<{ run_id: string; pid: number }>(
      `select run_id, pid from ${this.#s}.runs where status = 'running' and daemon_id is null and host = $1`,
      [host],
    );
    const gone = rows.filter((row) => !this.#isAlive(host, row.pid)).map((row) => row.run_id);
    if (gone.length === 0) return;
    const marked = await this.#query<{ run_id: string }>(
      `update ${this.#s}.runs set status = 'abandoned', abandoned_at = ${this.#now}, abandoned_by = $2
        where run_id = any($1) and status = 'running' returning run_id`,
      [gone, this.#id],
    );
    await this.#collectAbandoned(marked.rows.map((row) => row.run_id));
  }

  /** Reads what the store has of each abandoned run (its events, else its row) for the report. */
  async #collectAbandoned(runIds: string[]): Promise<void> {
    if (runIds.length === 0) return;
    const s = this.#s;
    const { rows } = await this.#query<{
      run_id: string;
      job_id: string;
      host: string;
      pid: number;
      trigger: string;
      scheduled_for: string | null;
      started_at: Date;
      events: RunEvent[] | null;
    }>(
      `select r.run_id, r.job_id, r.host, r.pid, r.trigger, r.scheduled_for, r.started_at,
              (select json_agg(e.event order by e.seq) from ${s}.run_events e where e.run_id = r.run_id) as events
         from ${s}.runs r where r.run_id = any($1) order by r.run_id`,
      [runIds],
    );
    for (const row of rows) {
      const events = row.events ?? [];
      const summary: RunSummary =
        events.length > 0
          ? summarizeRun(events, () => false, { runId: row.run_id, jobId: row.job_id })
          : {
              ...summarizeRun([], () => false, { runId: row.run_id, jobId: row.job_id }),
              trigger: row.trigger as RunSummary["trigger"],
              scheduled_for: row.scheduled_for,
              started_at: row.started_at.toISOString(),
              host: row.host,
              pid: row.pid,
            };
      summary.status = "abandoned";
      this.#found.push({ runId: row.run_id, jobId: row.job_id, summary, lastEventAt: events.at(-1)?.ts ?? null });
    }
  }

  /** Fires, runs and events older than `keepDays` (a job's latest fire is kept: it says where its schedule stands). */
  async #prune(): Promise<void> {
    this.#pruneAt = this.#elapsed() + PRUNE_EVERY_MS;
    const s = this.#s;
    const cutoff = `${this.#now} - $1 * interval '1 day'`;
    const days = this.#options.keepDays;
    const client = await this.#options.pool.connect();
    this.#statements += 7;
    try {
      await client.query("begin");
      const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_xact_lock(hashtextextended($1, 0)) as locked", [`nomaflow-prune:${s}`]);
      if (rows[0]?.locked) {
        const events = await client.query(`delete from ${s}.run_events e using ${s}.runs r where e.run_id = r.run_id and r.ended_at < ${cutoff}`, [days]);
        const runs = await client.query(`delete from ${s}.runs where coalesce(ended_at, abandoned_at) < ${cutoff}`, [days]);
        const fires = await client.query(
          `delete from ${s}.fires f where f.claimed_at < ${cutoff}
              and exists (select 1 from ${s}.fires g where g.job_id = f.job_id and g.scheduled_for > f.scheduled_for)`,
          [days],
        );
        const daemons = await client.query(`delete from ${s}.daemons where coalesce(stopped_at, dead_at) < ${cutoff}`, [days]);
        const removed = { runs: runs.rowCount ?? 0, events: events.rowCount ?? 0, fires: fires.rowCount ?? 0, daemons: daemons.rowCount ?? 0 };
        if (removed.runs + removed.events + removed.fires + removed.daemons > 0) this.#options.log.info("pruned", null, { keep_days: days, ...removed });
      }
      await client.query("commit");
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async #query<Row extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<Row>> {
    this.#statements++;
    try {
      return await this.#options.pool.query<Row>(sql, params);
    } catch (error) {
      if (isConnectionError(error)) this.#storeUp = false;
      throw error;
    }
  }

  async #execute(sql: string, params: unknown[]): Promise<void> {
    await this.#query(sql, params);
  }
}

/** A failure to reach the server, as opposed to an error in a statement. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  if (typeof code === "string" && /^(08|57P0)/.test(code)) return true;
  const message = (error as Error).message ?? "";
  return typeof code === "string" ? /^E(CONN|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH)/.test(code) : /terminated|timeout|Connection/i.test(message);
}
