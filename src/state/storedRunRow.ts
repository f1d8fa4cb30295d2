/**
 * A run's row in the state store, read back and judged: a row still `running` whose daemon is no
 * longer alive (its lease expired, by the store's clock, or it stopped or was declared dead) is
 * abandoned, whatever the row says, and so is a row a survivor marked `abandoned`.
 */
import type pg from "pg";
import type { IsAlive } from "../files/processIsAlive.js";
import type { RunStatus } from "../run-logs/readRunLog.js";
import type { RunRow } from "./runHistoryBatch.js";

/** The state store to read: a pool, and the schema already quoted (`quoteIdentifier`). */
export interface HistoryStore {
  pool: pg.Pool;
  schema: string;
}

export interface StoredRunRow extends Omit<RunRow, "status"> {
  /** Any status a row may hold, `abandoned` too. */
  status: string;
  abandoned_by: string | null;
  /** Its daemon holds a live lease now (false for a manual run, which has none). */
  daemon_alive: boolean;
}

/** The select list (from `runs r`) that storedRunRow reads. */
export function runRowColumns(schema: string): string {
  return `r.run_id, r.job_id, r.daemon_id, r.host, r.pid, r.trigger, r.scheduled_for, r.status, r.started_at, r.ended_at,
    r.duration_ms, r.failed_step, r.error, r.events_missing, r.abandoned_by,
    (r.daemon_id is not null and exists (select 1 from ${schema}.daemons d where d.id = r.daemon_id and d.stopped_at is null
      and d.dead_at is null and d.lease_until >= clock_timestamp())) as daemon_alive`;
}

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);
const iso = (value: unknown): string | null => (value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : text(value));
const count = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/** A row as the driver gives it, checked and made plain (timestamps as ISO text). */
export function storedRunRow(row: Record<string, unknown>): StoredRunRow {
  return {
    run_id: String(row.run_id),
    job_id: String(row.job_id),
    daemon_id: text(row.daemon_id),
    host: text(row.host) ?? "?",
    pid: count(row.pid),
    trigger: text(row.trigger) ?? "manual",
    scheduled_for: text(row.scheduled_for),
    status: text(row.status) ?? "running",
    started_at: iso(row.started_at) ?? "",
    ended_at: iso(row.ended_at),
    duration_ms: typeof row.duration_ms === "number" ? row.duration_ms : null,
    failed_step: text(row.failed_step),
    error: text(row.error),
    events_missing: count(row.events_missing),
    abandoned_by: text(row.abandoned_by),
    daemon_alive: row.daemon_alive === true,
  };
}

const STATUSES: ReadonlySet<string> = new Set(["running", "succeeded", "failed", "interrupted", "abandoned"]);

/**
 * The run's status as the cluster sees it. A manual run (no daemon) is judged by its process, as a
 * local log is: `isAlive` can only tell on this host and takes a run elsewhere to be alive.
 */
export function judgedStatus(row: StoredRunRow, isAlive: IsAlive): RunStatus {
  if (row.status !== "running") return STATUSES.has(row.status) ? (row.status as RunStatus) : "abandoned";
  if (row.daemon_id !== null) return row.daemon_alive ? "running" : "abandoned";
  return isAlive(row.host, row.pid) ? "running" : "abandoned";
}

/** Why a run reads as abandoned, in the user's terms. */
export function abandonedReason(row: StoredRunRow): string {
  if (row.status === "abandoned") {
    const by = row.abandoned_by === null ? "" : ` (found by daemon ${row.abandoned_by})`;
    return row.error ?? `its daemon (pid ${row.pid} on ${row.host}) stopped renewing its lease before the run ended${by}`;
  }
  if (row.daemon_id !== null) return `its daemon (pid ${row.pid} on ${row.host}) is gone and the state store has no final event`;
  return `the process (pid ${row.pid} on ${row.host}) is gone and the state store has no final event`;
}
