/**
 * Follows a run in the state store as it goes, for `nomaflow show --follow` of a run on another
 * host: new events polled by `seq` (a writer writes each run's events in order, so none appears
 * later below one already read), until the final event, or until the run is over without one.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { processIsAlive, type IsAlive } from "../files/processIsAlive.js";
import { runStartedAt } from "../identity/runId.js";
import { FINAL_EVENTS, type RunEvent } from "../run-logs/runEvents.js";
import { readStoredRunRow } from "./runHistoryReader.js";
import { judgedStatus, type HistoryStore } from "./storedRunRow.js";

export interface FollowStoredRunOptions {
  /** Stops following; the generator returns. */
  signal?: AbortSignal;
  /** @default 300 */
  pollMs?: number;
  /** Judges a manual run's process. @default processIsAlive */
  isAlive?: IsAlive;
  /**
   * A run with no row this long after its id's start time is taken to have died starting (its
   * writer records the row within a second of run_started when the store answers). @default 10000
   */
  startupGraceMs?: number;
}

/** Events read per query: a run that is far ahead is caught up in pages. */
const PAGE = 1000;

/**
 * Yields the events of run `runId` already stored, then each new one. Returns after its final
 * event; when the run is over without one (abandoned, or its final event lost: the caller reads
 * the row to tell which); or when `signal` aborts.
 */
export async function* followStoredRun(store: HistoryStore, runId: string, options: FollowStoredRunOptions = {}): AsyncGenerator<RunEvent, void, undefined> {
  const { signal, pollMs = 300, isAlive = processIsAlive, startupGraceMs = 10_000 } = options;
  const graceFrom = runStartedAt(runId) ?? Date.now();
  let lastSeq = -1;
  while (!signal?.aborted) {
    // Judged before reading: a run that writes its last events and ends in between is still read.
    const row = await readStoredRunRow(store, runId);
    const over = row ? judgedStatus(row, isAlive) !== "running" : Date.now() - graceFrom > startupGraceMs;
    const { rows } = await store.pool.query(`select seq, event from ${store.schema}.run_events where run_id = $1 and seq > $2 order by seq limit ${PAGE}`, [
      runId,
      lastSeq,
    ]);
    for (const { seq, event } of rows as { seq: number; event: RunEvent }[]) {
      lastSeq = seq;
      if (event === null || typeof event !== "object" || typeof event.event !== "string") continue;
      yield event;
      if (FINAL_EVENTS.has(event.event) || signal?.aborted) return;
    }
    if (rows.length === PAGE) continue;
    if (over) return;
    await sleep(pollMs, undefined, { signal }).catch(() => {});
  }
}
