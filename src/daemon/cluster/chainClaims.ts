/**
 * The statements of chained jobs on the state store (see chains/chainStore.ts). A chained job's
 * logical date is claimed as a scheduled time is: a row of `fires`, unique on job and time, under
 * the key `chain:JOB` (no job id has a colon, and no schedule reads those rows), so one daemon of
 * the cluster has it. The runs of the jobs it runs after are read from `runs`, which every daemon
 * and every `nomaflow run` with `state:` writes.
 */
import { newRunId, runStartedAt } from "../../identity/runId.js";
import type { ChainClaim, ChainRunStatus, EndedRun, EndedStatus, UpstreamRun } from "../chains/chainStore.js";
import type { StoreSql } from "./storeSql.js";

/** The key of a chained job's claims in `fires`. */
export const chainFireKey = (jobId: string) => `chain:${jobId}`;

/** The smallest run id of a run started at or after `ms`: run ids begin with their start instant. */
const runIdFloor = (ms: number) => newRunId(new Date(Math.max(0, ms))).slice(0, 19);

const STATUSES = new Set<ChainRunStatus>(["running", "succeeded", "failed", "interrupted", "abandoned"]);
const asStatus = (status: string): ChainRunStatus => (STATUSES.has(status as ChainRunStatus) ? (status as ChainRunStatus) : "failed");

export async function latestStoredRunsFor(sql: StoreSql, jobIds: readonly string[], atMs: number): Promise<Map<string, UpstreamRun>> {
  const { rows } = await sql.query<{ job_id: string; run_id: string; status: string }>(
    `select distinct on (job_id) job_id, run_id, status from ${sql.schema}.runs
      where job_id = any($1) and run_id >= $2 and scheduled_for is not null and scheduled_for::timestamptz = $3::timestamptz
      order by job_id, run_id desc`,
    [jobIds, runIdFloor(atMs), new Date(atMs).toISOString()],
  );
  return new Map(rows.map((row) => [row.job_id, { jobId: row.job_id, runId: row.run_id, status: asStatus(row.status) }]));
}

/** How far back each look at `runs` goes before the oldest run still going: a row may be written a while after its run started. */
const LATE_ROW_MS = 5 * 60_000;

/**
 * Finds the runs that ended elsewhere by looking at `runs` from a cursor: the start of the oldest
 * run still going (or of the newest seen), less a margin for rows written late. Each run is told once.
 */
export class StoredRunEnds {
  #cursorMs: number | undefined;
  /** Run ids told (or found ended before the window), with their start: forgotten once behind the cursor. */
  readonly #told = new Map<string, number>();

  async endedSince(sql: StoreSql, daemonId: string, jobIds: readonly string[], sinceMs: number): Promise<EndedRun[]> {
    const from = this.#cursorMs ?? sinceMs - 86_400_000;
    const { rows } = await sql.query<{ job_id: string; run_id: string; scheduled_for: string | null; status: string; ended_ms: number | null }>(
      `select job_id, run_id, scheduled_for, status,
              (extract(epoch from coalesce(ended_at, abandoned_at)) * 1000)::float8 as ended_ms
         from ${sql.schema}.runs
        where job_id = any($1) and run_id >= $2 and daemon_id is distinct from $3
        order by run_id`,
      [jobIds, runIdFloor(from), daemonId],
    );
    const ended: EndedRun[] = [];
    let oldestGoing: number | undefined;
    let newest = from;
    const now = Date.now();
    for (const row of rows) {
      const startedMs = runStartedAt(row.run_id) ?? from;
      newest = Math.max(newest, startedMs);
      const status = asStatus(row.status);
      if (status === "running") {
        oldestGoing ??= startedMs;
        continue;
      }
      if (this.#told.has(row.run_id)) continue;
      this.#told.set(row.run_id, startedMs);
      const endedMs = row.ended_ms === null ? now : Math.round(Number(row.ended_ms));
      if (endedMs >= sinceMs) ended.push({ jobId: row.job_id, runId: row.run_id, scheduledFor: row.scheduled_for, status: status as EndedStatus, endedMs });
    }
    this.#cursorMs = Math.min(oldestGoing ?? newest, newest) - LATE_ROW_MS;
    for (const [runId, startedMs] of this.#told) if (startedMs < this.#cursorMs - LATE_ROW_MS) this.#told.delete(runId);
    return ended;
  }
}

/** What the claim statement found; the store turns it into a ChainClaimOutcome. */
export interface StoredChainClaim {
  /** This daemon's lease is current (else nothing was done). */
  alive: boolean;
  claimed: boolean;
  /** The job's lock was taken (forbid). */
  locked: boolean;
  /** The logical date was claimed before this statement. */
  takenBefore: boolean;
  /** The run holding the job's lock, if any. */
  holder: string | null;
}

/**
 * One statement: under `forbid` the job's lock first (taken over from a run that has ended), then
 * the claim, then the run recorded as going, so that a daemon dying right after leaves a run to
 * report abandoned, not a logical date claimed and never run. A lock taken for a claim another
 * daemon won at the same moment is freed at once.
 */
export async function claimStoredChain(sql: StoreSql, daemonId: string, identity: { host: string; pid: number }, claim: ChainClaim): Promise<StoredChainClaim> {
  const s = sql.schema;
  const { rows } = await sql.query<{ alive: number; claimed: boolean; locked: boolean; taken_before: boolean; holder: string | null }>(
    `with me as (
       select 1 from ${s}.daemons where id = $3 and dead_at is null and stopped_at is null and lease_until > ${sql.now}
     ), free as (
       select 1 from me where not exists (select 1 from ${s}.fires f where f.job_id = $1 and f.scheduled_for = $2)
     ), locked as (
       insert into ${s}.job_locks as l (job_id, daemon_id, run_id, locked_at)
       select $9, $3, $4, ${sql.now} from free where $6
       on conflict (job_id) do update set daemon_id = excluded.daemon_id, run_id = excluded.run_id, locked_at = excluded.locked_at
        where exists (select 1 from ${s}.runs r where r.run_id = l.run_id and r.status <> 'running')
       returning run_id
     ), claimed as (
       insert into ${s}.fires (job_id, scheduled_for, daemon_id, claimed_at, run_id)
       select $1, $2, $3, ${sql.now}, $4 from free where not $6 or exists (select 1 from locked)
       on conflict do nothing
       returning run_id
     ), started as (
       insert into ${s}.runs (run_id, job_id, daemon_id, host, pid, trigger, scheduled_for, status, started_at)
       select $4, $9, $3, $7, $8, 'chain', $5, 'running', ${sql.now} from claimed
       on conflict (run_id) do nothing
       returning run_id
     )
     select (select count(*) from me)::int as alive,
            exists (select 1 from claimed) as claimed,
            exists (select 1 from locked) as locked,
            exists (select 1 from ${s}.fires f where f.job_id = $1 and f.scheduled_for = $2) as taken_before,
            (select h.run_id from ${s}.job_locks h where h.job_id = $9) as holder,
            (select count(*) from started)::int as started`,
    [
      chainFireKey(claim.jobId),
      new Date(claim.scheduledForMs).toISOString(),
      daemonId,
      claim.runId,
      claim.scheduledFor,
      claim.forbid,
      identity.host,
      identity.pid,
      claim.jobId,
    ],
  );
  const row = rows[0]!;
  const result = { alive: row.alive > 0, claimed: row.claimed, locked: row.locked, takenBefore: row.taken_before, holder: row.holder };
  if (result.locked && !result.claimed) {
    await sql.execute(`delete from ${s}.job_locks where job_id = $1 and daemon_id = $2 and run_id = $3`, [claim.jobId, daemonId, claim.runId]);
  }
  return result;
}
