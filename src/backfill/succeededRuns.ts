/**
 * The logical dates a job already has a succeeded run for, whatever started it (the daemon, a
 * manual run, a backfill, a resume): from this host's run logs, read from their two ends, and
 * with `state:` from the store's runs of every host.
 */
import { readRunLogEnds } from "../run-logs/runLogEnds.js";
import { listRunLogs } from "../run-logs/listRuns.js";
import type { HistoryStore } from "../state/runHistoryReader.js";

/** Logical date (epoch ms) → the newest run that succeeded for it. */
export type SucceededRuns = Map<number, string>;

export function succeededRunsInLogs(runsDir: string, jobId: string): SucceededRuns {
  const found: SucceededRuns = new Map();
  // Newest first: the first run found for a logical date is its newest.
  for (const log of listRunLogs(runsDir, jobId)) {
    const ends = readRunLogEnds(log.path);
    if (ends.final !== "run_succeeded" || !ends.started?.scheduled_for) continue;
    const ms = Date.parse(ends.started.scheduled_for);
    if (Number.isFinite(ms) && !found.has(ms)) found.set(ms, log.runId);
  }
  return found;
}

/** The same from the state store, added to `found` where the logs have none. */
export async function addSucceededRunsInStore(store: HistoryStore, jobId: string, found: SucceededRuns): Promise<void> {
  const { rows } = await store.pool.query(
    `select run_id, scheduled_for from ${store.schema}.runs where job_id = $1 and status = 'succeeded' and scheduled_for is not null order by run_id desc`,
    [jobId],
  );
  for (const row of rows as { run_id: string; scheduled_for: string }[]) {
    const ms = Date.parse(row.scheduled_for);
    if (Number.isFinite(ms) && !found.has(ms)) found.set(ms, row.run_id);
  }
}
