/**
 * Finding abandoned runs in the cluster store: the runs of daemons whose lease ran out, and the
 * runs of `nomaflow run` on this host whose process is gone; then what the store has of each, for
 * the report (its events, else its row).
 */
import type { IsAlive } from "../../files/processIsAlive.js";
import { summarizeRun, type RunSummary } from "../../run-logs/readRunLog.js";
import type { RunEvent } from "../../run-logs/runEvents.js";
import type { AbandonedRun } from "../fireStore.js";
import type { StoreSql } from "./storeSql.js";

export interface SweptDaemons {
  dead: Array<{ id: string; host: string | null; pid: number | null }>;
  /** Runs marked abandoned now, and abandoned runs adopted from a reporter that died. */
  runIds: string[];
}

/**
 * Declares dead every daemon whose lease expired, frees its locks and marks its runs abandoned,
 * in one statement: when two survivors look at once, the row lock gives each daemon to one.
 * Also adopts abandoned runs whose reporter died before reporting them.
 */
export async function sweepDeadDaemons(sql: StoreSql, myId: string): Promise<SweptDaemons> {
  const s = sql.schema;
  const { rows } = await sql.query<{ kind: string; id: string; host: string | null; pid: number | null }>(
    `with dead as (
       update ${s}.daemons set dead_at = ${sql.now}, declared_dead_by = $1
        where dead_at is null and stopped_at is null and lease_until < ${sql.now} and id <> $1
       returning id, host, pid
     ), freed as (
       delete from ${s}.job_locks where daemon_id in (select id from dead) returning job_id
     ), abandoned as (
       update ${s}.runs set status = 'abandoned', abandoned_at = ${sql.now}, abandoned_by = $1
        where status = 'running' and daemon_id in (select id from dead)
       returning run_id
     ), adopted as (
       update ${s}.runs set abandoned_by = $1
        where status = 'abandoned' and abandoned_reported_at is null and abandoned_by <> $1
          and abandoned_by in (select id from ${s}.daemons where dead_at is not null or stopped_at is not null)
       returning run_id
     )
     select 'dead' as kind, id, host, pid from dead
     union all select 'run', run_id, null, null from abandoned
     union all select 'run', run_id, null, null from adopted
     union all select 'freed', job_id, null, null from freed`,
    [myId],
  );
  return {
    dead: rows.filter((row) => row.kind === "dead").map(({ id, host, pid }) => ({ id, host, pid })),
    runIds: rows.filter((row) => row.kind === "run").map((row) => row.id),
  };
}

/** Runs of `nomaflow run` on this host whose process is gone, marked abandoned (once); their ids. */
export async function abandonGoneManualRuns(sql: StoreSql, host: string, myId: string, isAlive: IsAlive): Promise<string[]> {
  const { rows } = await sql.query<{ run_id: string; pid: number }>(
    `select run_id, pid from ${sql.schema}.runs where status = 'running' and daemon_id is null and host = $1`,
    [host],
  );
  const gone = rows.filter((row) => !isAlive(host, row.pid)).map((row) => row.run_id);
  if (gone.length === 0) return [];
  const marked = await sql.query<{ run_id: string }>(
    `update ${sql.schema}.runs set status = 'abandoned', abandoned_at = ${sql.now}, abandoned_by = $2
      where run_id = any($1) and status = 'running' returning run_id`,
    [gone, myId],
  );
  return marked.rows.map((row) => row.run_id);
}

/** What the store has of each abandoned run, for its report: a summary from its events, else from its row. */
export async function readAbandonedRuns(sql: StoreSql, runIds: readonly string[]): Promise<AbandonedRun[]> {
  if (runIds.length === 0) return [];
  const s = sql.schema;
  const { rows } = await sql.query<{
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
  return rows.map((row) => {
    const events = row.events ?? [];
    const ids = { runId: row.run_id, jobId: row.job_id };
    const summary: RunSummary =
      events.length > 0
        ? summarizeRun(events, () => false, ids)
        : {
            ...summarizeRun([], () => false, ids),
            trigger: row.trigger as RunSummary["trigger"],
            scheduled_for: row.scheduled_for,
            started_at: row.started_at.toISOString(),
            host: row.host,
            pid: row.pid,
          };
    summary.status = "abandoned";
    return { runId: row.run_id, jobId: row.job_id, summary, lastEventAt: events.at(-1)?.ts ?? null };
  });
}
