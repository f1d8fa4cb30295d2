/**
 * One daemon's lease in the cluster store (`daemons`): registered at start, renewed every
 * heartbeat by the store's clock, and judged by the daemon's own monotonic clock for fencing.
 * Each renewal also reads who else is alive: the share of first claims, the daemons whose lease
 * has run out (to sweep), and whether all run the same job definitions.
 */
import { randomUUID } from "node:crypto";
import type { DaemonLog } from "../daemonLog.js";
import { firstClaimer } from "./claimShare.js";
import type { StoreSql } from "./storeSql.js";

export interface DaemonIdentity {
  host: string;
  pid: number;
  version: string;
  projectRevision: string;
  definitionsHash: string;
  maxRuns: number | undefined;
}

/** A live daemon as the last renewal read it. */
export interface LiveDaemon {
  id: string;
  host: string;
  pid: number;
  definitionsHash: string;
}

export interface DaemonLeaseOptions {
  sql: StoreSql;
  identity: DaemonIdentity;
  heartbeatMs: number;
  leaseMs: number;
  log: DaemonLog;
  /** The lease is lost: interrupt every run going. */
  onLeaseLost: () => void;
  /** Local elapsed time, ms. */
  elapsed: () => number;
  /** Runs going on this daemon, recorded at each renewal. */
  runsGoing: () => number;
}

export class DaemonLease {
  readonly #options: DaemonLeaseOptions;
  #identity: DaemonIdentity;
  #id = randomUUID();
  #live: LiveDaemon[] = [];
  /** How many daemons share first claims (those renewing on time), and this one's place among them. */
  #sharers = 1;
  #rank = 0;
  #lost = false;
  /** Elapsed time when the last successful renewal was sent. */
  #renewedAt = 0;
  #renewFailed = false;
  #lostCount = 0;
  #mismatch = false;
  /** Elapsed time at which another daemon's lease runs out (a sweep is due); Infinity: none soon. */
  sweepAt = Infinity;

  constructor(options: DaemonLeaseOptions) {
    this.#options = options;
    this.#identity = options.identity;
  }

  /** This daemon's id in the store (a new one after it rejoins). */
  get id(): string {
    return this.#id;
  }

  get lost(): boolean {
    return this.#lost;
  }

  get daemonsAlive(): number {
    return this.#live.length;
  }

  get lostCount(): number {
    return this.#lostCount;
  }

  get definitionMismatch(): boolean {
    return this.#mismatch;
  }

  /** After a reload: the new job definitions, recorded at the next renewal. */
  noteDefinitions(definitionsHash: string, projectRevision: string): void {
    this.#identity = { ...this.#identity, definitionsHash, projectRevision };
  }

  /** Whether this daemon claims the fire as soon as it is due (see claimShare.ts). */
  claimsFirst(jobId: string, scheduledForMs: number): boolean {
    return firstClaimer(jobId, scheduledForMs, this.#sharers) === this.#rank;
  }

  /** A renewal is due: a heartbeat since the last, or every tick while the store fails. */
  get renewalDue(): boolean {
    return this.#renewFailed || !this.#options.sql.up || this.#lost || this.#options.elapsed() - this.#renewedAt >= this.#options.heartbeatMs;
  }

  async register(): Promise<void> {
    const { sql, leaseMs } = this.#options;
    const { host, pid, version, projectRevision, definitionsHash, maxRuns } = this.#identity;
    const sentAt = this.#options.elapsed();
    await sql.query(
      `insert into ${sql.schema}.daemons (id, host, pid, version, project_revision, definitions_hash, max_runs, started_at, heartbeat_at, lease_until)
       values ($1, $2, $3, $4, $5, $6, $7, ${sql.now}, ${sql.now}, ${sql.now} + $8 * interval '1 millisecond')`,
      [this.#id, host, pid, version, projectRevision, definitionsHash, maxRuns ?? null, leaseMs],
    );
    this.#renewedAt = sentAt;
    sql.up = true;
  }

  /**
   * Lost when the last good renewal was sent longer ago than the lease less one heartbeat: with a
   * lease of at least three heartbeats, that is two renewals missed, and it leaves a heartbeat for
   * the runs to stop before the store's clock lets another daemon take over.
   */
  fence(): void {
    const { leaseMs, heartbeatMs, log } = this.#options;
    const margin = Math.min(heartbeatMs, leaseMs / 3);
    const silentMs = this.#options.elapsed() - this.#renewedAt;
    if (this.#lost || silentMs < leaseMs - margin) return;
    this.#lost = true;
    this.#lostCount++;
    log.error("lease_lost", null, {
      silent_s: Math.round(silentMs / 1000),
      lease_s: leaseMs / 1000,
      runs_going: this.#options.runsGoing(),
      action: "claiming stopped, runs interrupted; rejoining when the store answers",
    });
    this.#options.onLeaseLost();
  }

  /** Renews the lease and reads who is alive; rejoins under a new id when declared dead meanwhile. */
  async renew(): Promise<void> {
    const { sql, leaseMs, heartbeatMs, log } = this.#options;
    const s = sql.schema;
    const sentAt = this.#options.elapsed();
    let rows;
    try {
      ({ rows } = await sql.query<{ id: string; host: string; pid: number; definitions_hash: string; renewed: number; remaining_ms: string }>(
        `with renewed as (
           update ${s}.daemons
              set heartbeat_at = ${sql.now}, lease_until = ${sql.now} + $2 * interval '1 millisecond',
                  runs_going = $3, definitions_hash = $4, project_revision = $5
            where id = $1 and dead_at is null and stopped_at is null
           returning id
         )
         select d.id, d.host, d.pid, d.definitions_hash, (select count(*) from renewed)::int as renewed,
                (extract(epoch from (d.lease_until - ${sql.now})) * 1000)::float8 as remaining_ms
           from ${s}.daemons d
          where d.dead_at is null and d.stopped_at is null
          order by d.id`,
        [this.#id, leaseMs, this.#options.runsGoing(), this.#identity.definitionsHash, this.#identity.projectRevision],
      ));
    } catch (error) {
      if (!this.#renewFailed) log.error("store_unreachable", null, { error: (error as Error).message, action: "claiming stopped until the lease is renewed" });
      this.#renewFailed = true;
      sql.up = false;
      return;
    }
    const wasDown = !sql.up || this.#lost;
    if (rows[0] === undefined || rows[0].renewed === 0) {
      // Declared dead while cut off: its runs were reported and its locks freed. Start afresh.
      const old = this.#id;
      this.#id = randomUUID();
      await this.register();
      log.warn("rejoined", null, { previous_id: old, id: this.#id });
      this.#lost = false;
      this.#renewFailed = false;
      return this.renew();
    }
    this.#renewedAt = sentAt;
    this.#renewFailed = false;
    sql.up = true;
    if (this.#lost) log.info("lease_renewed", null, { id: this.#id });
    else if (wasDown) log.info("store_reachable", null, { id: this.#id });
    this.#lost = false;
    const me = this.#id;
    this.#live = rows
      .filter((row) => row.id === me || Number(row.remaining_ms) >= 0)
      .map((row) => ({ id: row.id, host: row.host, pid: row.pid, definitionsHash: row.definitions_hash }));
    // First claims go to the daemons renewing on time: one silent for over a heartbeat (a fifth
    // more for a slow statement) is likely dead (its lease not yet over), and its share waiting for
    // the hand-off would make every fire of that share late until it is declared dead. A daemon
    // left out that is alive after all still claims, after the hand-off; never twice, the claim
    // being unique.
    const onTime = rows.filter((row) => row.id === me || Number(row.remaining_ms) > leaseMs - 1.2 * heartbeatMs);
    this.#sharers = Math.max(1, onTime.length);
    this.#rank = Math.max(
      0,
      onTime.findIndex((row) => row.id === me),
    );
    // The next sweep: now when a lease has expired, else when the first one would, if before the next renewal.
    const others = rows.filter((row) => row.id !== me).map((row) => Number(row.remaining_ms));
    const soonest = others.length === 0 ? Infinity : Math.min(...others);
    this.sweepAt = soonest <= 0 ? 0 : soonest < heartbeatMs ? this.#options.elapsed() + soonest + 50 : Infinity;
    this.#compareDefinitions();
  }

  #compareDefinitions(): void {
    const mine = this.#identity.definitionsHash;
    const mismatch = new Set(this.#live.map((daemon) => daemon.definitionsHash)).size > 1;
    if (mismatch !== this.#mismatch) {
      const others = this.#live.filter((daemon) => daemon.definitionsHash !== mine).map((daemon) => `${daemon.host}:${daemon.pid}`);
      if (mismatch) {
        this.#options.log.warn("definition_mismatch", null, {
          this_daemon: mine,
          differing: others.join(","),
          hint: "deploy the same job files to every host",
        });
      } else this.#options.log.info("definitions_agree", null, { hash: mine });
    }
    this.#mismatch = mismatch;
  }
}
