/**
 * What the catalogue and the history pages need of one run, a few hundred bytes: kept for
 * thousands of runs where whole summaries (every step, output, alert) would take megabytes.
 */
import type { IsAlive } from "../files/processIsAlive.js";
import type { RunStatus, RunSummary } from "../run-logs/readRunLog.js";
import { judgedStatus, type StoredRunRow } from "../state/storedRunRow.js";
import type { HistoryRun, RunBadge } from "./consoleApi.js";

export interface RunDigest extends HistoryRun {
  jobId: string;
  /** Its longest step that ended, for the history's slowest step. Null when unknown (a store row). */
  slowestStep: { name: string; durationMs: number } | null;
  /** For trigger resume: the run it resumed; null otherwise or when unknown (a store row). */
  resumeOf: string | null;
}

/** Ended for good: its log will not change (an abandoned run may still be judged again). */
export const isFinal = (status: RunStatus) => status === "succeeded" || status === "failed" || status === "interrupted";

export function digestOfSummary(summary: RunSummary): RunDigest {
  let rows: number | null = null;
  let slowestStep: RunDigest["slowestStep"] = null;
  for (const step of summary.steps) {
    if (step.rows !== null) rows = (rows ?? 0) + step.rows;
    if (step.duration_ms !== null && (slowestStep === null || step.duration_ms > slowestStep.durationMs)) {
      slowestStep = { name: step.name, durationMs: step.duration_ms };
    }
  }
  return {
    runId: summary.run_id,
    jobId: summary.job_id,
    status: summary.status,
    trigger: summary.trigger ?? "unknown",
    startedAt: summary.started_at ?? "",
    durationMs: summary.duration_ms,
    rows,
    host: summary.host,
    slowestStep,
    resumeOf: summary.resume_of ?? null,
  };
}

/** A run as the store's row tells it, without its events (the catalogue's sparkline). */
export function digestOfRow(row: StoredRunRow, isAlive: IsAlive): RunDigest {
  const status = judgedStatus(row, isAlive);
  return {
    runId: row.run_id,
    jobId: row.job_id,
    status,
    trigger: row.trigger,
    startedAt: row.started_at,
    durationMs: status === "abandoned" ? null : row.duration_ms,
    rows: null,
    host: row.host,
    slowestStep: null,
    resumeOf: null,
  };
}

export function badgeOf(digest: RunDigest): RunBadge {
  return { runId: digest.runId, status: digest.status, trigger: digest.trigger, startedAt: digest.startedAt, durationMs: digest.durationMs, host: digest.host };
}

/**
 * This host's runs and the store's, newest first, at most `limit`: a run both know is taken from
 * this host's log, which is its whole record (the store may have dropped events).
 */
export function mergeRuns(local: readonly RunDigest[], stored: readonly RunDigest[] | undefined, limit: number): RunDigest[] {
  if (!stored || stored.length === 0) return local.slice(0, limit);
  const byId = new Map(stored.map((digest) => [digest.runId, digest]));
  for (const digest of local) byId.set(digest.runId, digest);
  return [...byId.values()].sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0)).slice(0, limit);
}
