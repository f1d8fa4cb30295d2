/**
 * The daemons of a state store as `nomaflow cluster` lists them: what each recorded of itself
 * (host, pid, version, project revision, job definitions), its lease judged by the STORE's clock
 * (a host's clock may be off; the store's is the one leases are kept by), and which of them run
 * other job definitions than the rest, since a fire runs the claiming host's version of its job.
 */
import { ConfigError } from "../errors/nomaflowError.js";
import type { StatePool } from "./statePool.js";
import { checkStateVersion } from "./stateVersion.js";

/**
 * `alive`: the lease runs. `expired`: it ran out and no daemon has declared this one dead yet (the
 * next sweep of a live daemon will). `dead`: declared dead by another daemon, its runs abandoned.
 * `stopped`: it stopped cleanly.
 */
export type LeaseState = "alive" | "expired" | "dead" | "stopped";

export interface ClusterDaemon {
  /** A random id per daemon start. */
  id: string;
  host: string;
  pid: number;
  /** The nomaflow version the daemon runs. */
  version: string;
  /** The project's git commit (`+changes` when its job files differ from it), else `files:` and the definitions hash. */
  projectRevision: string;
  definitionsHash: string;
  maxRuns: number | null;
  startedAt: Date;
  heartbeatAt: Date;
  /** Since the last heartbeat, by the store's clock. */
  heartbeatAgeMs: number;
  leaseUntil: Date;
  runsGoing: number;
  stoppedAt: Date | null;
  deadAt: Date | null;
  /** The daemon that declared this one dead: its id, and its host and pid while its row is kept. */
  declaredDeadBy: { id: string; host: string | null; pid: number | null } | null;
  lease: LeaseState;
}

/** A daemon as it tells of itself: what the console it serves shows of it, with or without a store. */
export interface DaemonSelf {
  host: string;
  pid: number;
  version: string;
  startedAt: number;
  runsGoing: number;
  maxRuns: number | null;
}

export interface ClusterDaemons {
  daemons: ClusterDaemon[];
  /** Daemons left out: stopped or dead more than `recentHours` ago, or past `limit`. */
  hidden: number;
}

export interface ClusterDaemonsOptions {
  /** Every daemon the store still keeps (they are pruned after `state.keep_days`), not just the recent ones. @default false */
  all?: boolean;
  /** Stopped and dead daemons are listed for this many hours after they ended. @default 24 */
  recentHours?: number;
  /** The most rows read: alive ones first, then the most recently started. @default 1000 */
  limit?: number;
}

const DEFAULT_RECENT_HOURS = 24;
const DEFAULT_LIMIT = 1000;
/** The longest text kept of a field a daemon wrote (host, version, revision, id). */
const MAX_TEXT = 200;

const LEASE_STATES: readonly LeaseState[] = ["alive", "expired", "dead", "stopped"];

/**
 * Reads the daemons; throws a ConfigError when the store is not set up, is older than this
 * nomaflow, or was written by a newer one (no daemon of this version has started on it: it would
 * have migrated it), a ConnectorError when it cannot be reached.
 */
export async function readClusterDaemons(store: StatePool, options: ClusterDaemonsOptions = {}): Promise<ClusterDaemons> {
  const version = await checkStateVersion(store);
  if (!version.ready) {
    throw new ConfigError(version.notReady!, {
      hint:
        version.version === 0
          ? `a daemon sets the store up when it starts; if daemons are running, they use another store than this copy of the project (compare state.connector's URL and state.schema on their hosts)`
          : `a daemon of this version upgrades the store when it starts; the daemons may run an older nomaflow than this host`,
    });
  }
  const recentHours = options.recentHours ?? DEFAULT_RECENT_HOURS;
  const limit = Math.max(1, Math.min(options.limit ?? DEFAULT_LIMIT, DEFAULT_LIMIT * 10));
  const params = [options.all === true, recentHours];
  try {
    const { rows } = await store.pool.query(
      `${judged(store.schema)}
       select j.id, j.host, j.pid, j.version, j.project_revision, j.definitions_hash, j.max_runs,
              j.started_at, j.heartbeat_at, j.lease_until, j.runs_going, j.stopped_at, j.dead_at, j.lease,
              (extract(epoch from (j.now - j.heartbeat_at)) * 1000)::float8 as heartbeat_age_ms,
              j.declared_dead_by, k.host as declared_dead_by_host, k.pid as declared_dead_by_pid,
              (select count(*) from judged where listed)::int as listed_count, (select count(*) from judged where not listed)::int as hidden
         from judged j left join ${store.schema}.daemons k on k.id = j.declared_dead_by
        where j.listed
        order by array_position(array['alive', 'expired', 'dead', 'stopped'], j.lease), j.started_at desc, j.id
        limit $3`,
      [...params, limit],
    );
    // No daemon listed: what was left out is counted on its own.
    const counts = (rows[0] ??
      (await store.pool.query(`${judged(store.schema)} select 0 as listed_count, (select count(*) from judged where not listed)::int as hidden`, params))
        .rows[0]) as { listed_count: unknown; hidden: unknown };
    return {
      daemons: rows.map(toDaemon),
      hidden: (integer(counts.hidden) ?? 0) + Math.max(0, (integer(counts.listed_count) ?? 0) - rows.length),
    };
  } catch (error) {
    throw store.failure(error);
  }
}

/**
 * Every daemon with its lease judged at one instant of the store's clock (`now`), and whether it
 * is listed: `$1` every daemon, else those not stopped or dead and those that ended within `$2` hours.
 */
const judged = (s: string) => `
  with c as (select clock_timestamp() as now),
  judged as (
    select d.*, c.now,
           case when d.dead_at is not null then 'dead'
                when d.stopped_at is not null then 'stopped'
                when d.lease_until >= c.now then 'alive'
                else 'expired' end as lease,
           ($1 or (d.stopped_at is null and d.dead_at is null) or coalesce(d.dead_at, d.stopped_at) >= c.now - $2 * interval '1 hour') as listed
      from ${s}.daemons d cross join c
  )`;

const text = (value: unknown): string => (typeof value === "string" ? value.slice(0, MAX_TEXT) : value == null ? "" : String(value).slice(0, MAX_TEXT));
const integer = (value: unknown): number | null => {
  const number = Number(value);
  return value !== null && value !== undefined && Number.isSafeInteger(number) ? number : null;
};
const instant = (value: unknown): Date | null => (value instanceof Date && !Number.isNaN(value.getTime()) ? value : null);

/** A row checked field by field: a daemon of another version may have written anything. */
function toDaemon(value: unknown): ClusterDaemon {
  const row = value as Record<string, unknown>;
  const lease = LEASE_STATES.find((state) => state === row.lease) ?? "expired";
  const declarer = typeof row.declared_dead_by === "string" ? row.declared_dead_by : null;
  return {
    id: text(row.id),
    host: text(row.host),
    pid: integer(row.pid) ?? 0,
    version: text(row.version),
    projectRevision: text(row.project_revision),
    definitionsHash: text(row.definitions_hash),
    maxRuns: integer(row.max_runs),
    startedAt: instant(row.started_at) ?? new Date(0),
    heartbeatAt: instant(row.heartbeat_at) ?? new Date(0),
    heartbeatAgeMs: Math.max(0, Number(row.heartbeat_age_ms) || 0),
    leaseUntil: instant(row.lease_until) ?? new Date(0),
    runsGoing: Math.max(0, integer(row.runs_going) ?? 0),
    stoppedAt: instant(row.stopped_at),
    deadAt: instant(row.dead_at),
    declaredDeadBy:
      declarer === null
        ? null
        : { id: text(declarer), host: row.declared_dead_by_host == null ? null : text(row.declared_dead_by_host), pid: integer(row.declared_dead_by_pid) },
    lease,
  };
}

export interface DefinitionMismatch {
  /** The daemons (not stopped or dead) whose job definitions differ from the majority's or from this copy's. */
  flagged: Set<string>;
  /** The definitions most alive daemons run (ties go to this copy's); undefined with no alive daemon, or a tie this copy is not in. */
  majority: string | undefined;
  /** How many alive daemons run the majority's. */
  majorityCount: number;
}

/**
 * Which daemons run other job definitions than the rest: those, alive or expired, whose hash
 * differs from the one most alive daemons have, or from this copy of the project's (`localHash`):
 * when this copy differs from every daemon, every daemon is flagged, for it is this copy that a
 * `nomaflow run` here would use.
 */
export function definitionMismatch(daemons: readonly ClusterDaemon[], localHash: string): DefinitionMismatch {
  const counts = new Map<string, number>();
  for (const daemon of daemons) if (daemon.lease === "alive") counts.set(daemon.definitionsHash, (counts.get(daemon.definitionsHash) ?? 0) + 1);
  const most = Math.max(0, ...counts.values());
  const leaders = [...counts].filter(([, count]) => count === most).map(([hash]) => hash);
  const majority = leaders.length === 1 ? leaders[0] : leaders.includes(localHash) ? localHash : undefined;
  const flagged = new Set(
    daemons
      .filter((daemon) => daemon.lease === "alive" || daemon.lease === "expired")
      .filter((daemon) => daemon.definitionsHash !== localHash || (majority !== undefined && daemon.definitionsHash !== majority))
      .map((daemon) => daemon.id),
  );
  return { flagged, majority, majorityCount: majority === undefined ? 0 : (counts.get(majority) ?? 0) };
}
