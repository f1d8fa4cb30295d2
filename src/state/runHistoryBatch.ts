/**
 * One batch of run history as one statement: the events into `run_events` and the rows of the
 * runs they touch into `runs`, both passed as one JSON array each, so a batch of 500 events is
 * one round trip and one transaction whatever its size.
 *
 * Every write can be repeated: an event is keyed by (run_id, seq) and a repeat does nothing; a
 * run's row only moves forward (running → an end; `events_missing` only grows), so a batch whose
 * outcome was unknown (the connection lost before the answer) is simply written again.
 */
import type { RunFinishedEvent, RunStartedEvent } from "../run-logs/runEvents.js";
import { storableJson } from "./storedEventJson.js";

/** A `runs` row as the writer knows it (times ISO 8601 UTC with milliseconds, as in the run log). */
export interface RunRow {
  run_id: string;
  job_id: string;
  daemon_id: string | null;
  host: string;
  pid: number;
  trigger: string;
  scheduled_for: string | null;
  status: "running" | "succeeded" | "failed" | "interrupted";
  started_at: string;
  ended_at: string | null;
  duration_ms: number | null;
  failed_step: string | null;
  error: string | null;
  events_missing: number;
}

/** What the row needs of a run's run_started. */
export type RunStart = Pick<RunStartedEvent, "ts" | "run_id" | "job_id" | "host" | "pid" | "trigger" | "scheduled_for">;

/** One event ready to write: `json` is storedEventJson's. */
export interface EventRow {
  runId: string;
  seq: number;
  ts: string;
  json: string;
}

const FINAL_STATUS = { run_succeeded: "succeeded", run_failed: "failed", run_interrupted: "interrupted" } as const;

/** The row of a run from its run_started, its final event once that is written, and the events lost. */
export function runRow(started: RunStart, final: RunFinishedEvent | undefined, daemonId: string | null, eventsMissing: number): RunRow {
  return {
    run_id: started.run_id,
    job_id: started.job_id,
    daemon_id: daemonId,
    host: started.host,
    pid: started.pid,
    trigger: started.trigger,
    scheduled_for: started.scheduled_for,
    status: final ? FINAL_STATUS[final.event] : "running",
    started_at: started.ts,
    ended_at: final?.ts ?? null,
    duration_ms: final?.duration_ms ?? null,
    failed_step: final?.failed_step ?? null,
    error: final?.error ?? null,
    events_missing: eventsMissing,
  };
}

/** `$1`: the events as a JSON array, built from their stored JSON without parsing it again. */
export function eventsParameter(events: readonly EventRow[]): string {
  return `[${events.map((event) => `{"run_id":${storableJson(JSON.stringify(event.runId))},"seq":${event.seq},"ts":${JSON.stringify(event.ts)},"event":${event.json}}`).join(",")}]`;
}

/**
 * `$2`: the rows as a JSON array, in run id order: every statement that updates several runs rows
 * (this one, the daemon's record of runs ending) locks them in that one order, so two never wait
 * for each other in a cycle (a deadlock).
 */
export function rowsParameter(rows: readonly RunRow[]): string {
  const ordered = [...rows].sort((a, b) => (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0));
  return storableJson(JSON.stringify(ordered));
}

/**
 * The statement for a schema (already quoted). A row that is no longer `running` (an end written,
 * or marked abandoned by a survivor) keeps its status and fills only what it lacks.
 */
export function historyWriteSql(schema: string): string {
  const keep = (column: string) => `${column} = case when r.status = 'running' then excluded.${column} else coalesce(r.${column}, excluded.${column}) end`;
  return `with written_events as (
  insert into ${schema}.run_events (run_id, seq, ts, event)
  select e.run_id, e.seq, e.ts, e.event
  from json_to_recordset($1::json) as e(run_id text, seq integer, ts timestamptz, event json)
  on conflict (run_id, seq) do nothing
  returning 1
), written_runs as (
  insert into ${schema}.runs as r (run_id, job_id, daemon_id, host, pid, trigger, scheduled_for, status, started_at, ended_at, duration_ms, failed_step, error, events_missing)
  select x.run_id, x.job_id, x.daemon_id, x.host, x.pid, x.trigger, x.scheduled_for, x.status, x.started_at, x.ended_at, x.duration_ms, x.failed_step, x.error, x.events_missing
  from json_to_recordset($2::json) as x(run_id text, job_id text, daemon_id text, host text, pid integer, trigger text, scheduled_for text, status text,
    started_at timestamptz, ended_at timestamptz, duration_ms double precision, failed_step text, error text, events_missing integer)
  on conflict (run_id) do update set
    status = case when r.status = 'running' then excluded.status else r.status end,
    ${keep("ended_at")},
    ${keep("duration_ms")},
    ${keep("failed_step")},
    ${keep("error")},
    events_missing = greatest(r.events_missing, excluded.events_missing)
  returning 1
)
select (select count(*) from written_events)::integer as events, (select count(*) from written_runs)::integer as runs`;
}
