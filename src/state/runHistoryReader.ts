/**
 * Reads run history back from the state store: the whole cluster's runs, as `runs`, `show` and
 * `list` print them. A run reads as its log would (summarizeRun over its events), with what the
 * store knows besides: the host of every run, whether its daemon is still alive, and an end the
 * store has in the row when its final event never arrived (dropped while the store was down).
 */
import { processIsAlive, type IsAlive } from "../files/processIsAlive.js";
import { summarizeRun, type RunSummary } from "../run-logs/readRunLog.js";
import { FINAL_EVENTS, type RunEvent, type RunFinishedEvent, type RunStartedEvent, type Trigger } from "../run-logs/runEvents.js";
import { abandonedReason, judgedStatus, runRowColumns, storedRunRow, type HistoryStore, type StoredRunRow } from "./storedRunRow.js";

export type { HistoryStore, StoredRunRow } from "./storedRunRow.js";

/** A run as the store tells it. */
export interface StoredRun {
  summary: RunSummary;
  row: StoredRunRow;
}

export interface ListStoredRunsOptions {
  /** Only this job's runs. */
  jobId?: string;
  /** At most this many, the newest. @default 20 */
  limit?: number;
  /** Judges a manual run's process (runs of daemons are judged by their leases). @default processIsAlive */
  isAlive?: IsAlive;
}

/** Most runs one listing reads, whatever `limit` asks. */
const MAX_LISTED = 10_000;

const FINAL_EVENT_OF = { succeeded: "run_succeeded", failed: "run_failed", interrupted: "run_interrupted" } as const;

/** Events as the driver gives them: json objects with an `event` name. */
function eventsOf(rows: { event: unknown }[]): RunEvent[] {
  return rows
    .map((row) => row.event)
    .filter((event): event is RunEvent => event !== null && typeof event === "object" && typeof (event as { event?: unknown }).event === "string");
}

/**
 * The summary of a stored run: its events summarised, the status judged by the store (a dead
 * daemon's run is abandoned), and what the events lack filled from the row — the run_started
 * when it was not written yet, the end when the final event was lost.
 */
export function storedRunSummary(row: StoredRunRow, events: RunEvent[], isAlive: IsAlive = processIsAlive): RunSummary {
  const status = judgedStatus(row, isAlive);
  const complete: RunEvent[] = [...events];
  if (!complete.some((event) => event.event === "run_started")) {
    const started: RunStartedEvent = {
      ts: row.started_at,
      event: "run_started",
      run_id: row.run_id,
      job_id: row.job_id,
      trigger: row.trigger as Trigger,
      scheduled_for: row.scheduled_for,
      params: {},
      host: row.host,
      pid: row.pid,
      version: "",
      steps: [],
    };
    complete.unshift(started);
  }
  if (status !== "running" && status !== "abandoned" && !complete.some((event) => FINAL_EVENTS.has(event.event))) {
    const final: RunFinishedEvent = {
      ts: row.ended_at ?? row.started_at,
      event: FINAL_EVENT_OF[status],
      run_id: row.run_id,
      job_id: row.job_id,
      duration_ms: row.duration_ms ?? 0,
      failed_step: row.failed_step,
      error: row.error,
    };
    complete.push(final);
  }
  const summary = summarizeRun(complete, () => status === "running", { runId: row.run_id, jobId: row.job_id });
  // A row marked abandoned stays so even if a final event came later: the cluster acted on it.
  if (status === "abandoned") Object.assign(summary, { status, error: abandonedReason(row), ended_at: null, duration_ms: null });
  summary.host = row.host;
  summary.version ||= null;
  return summary;
}

async function rowsWhere(store: HistoryStore, where: string, params: unknown[], limit: number): Promise<StoredRunRow[]> {
  const { rows } = await store.pool.query(
    `select ${runRowColumns(store.schema)} from ${store.schema}.runs r ${where} order by r.run_id desc limit ${Math.min(Math.max(1, Math.floor(limit)), MAX_LISTED)}`,
    params,
  );
  return (rows as Record<string, unknown>[]).map(storedRunRow);
}

/** The newest runs of the cluster (of one job when `jobId` is given), newest first, summarised. */
export async function listStoredRuns(store: HistoryStore, options: ListStoredRunsOptions = {}): Promise<StoredRun[]> {
  const limit = options.limit ?? 20;
  const rows = options.jobId === undefined ? await rowsWhere(store, "", [], limit) : await rowsWhere(store, "where r.job_id = $1", [options.jobId], limit);
  if (rows.length === 0) return [];
  // A summary never looks at log lines, which can be most of a run's events.
  const { rows: eventRows } = await store.pool.query(
    `select run_id, event from ${store.schema}.run_events where run_id = any($1::text[]) and event->>'event' <> 'log' order by run_id, seq`,
    [rows.map((row) => row.run_id)],
  );
  const byRun = new Map<string, { event: unknown }[]>();
  for (const eventRow of eventRows as { run_id: string; event: unknown }[]) {
    let list = byRun.get(eventRow.run_id);
    if (!list) byRun.set(eventRow.run_id, (list = []));
    list.push(eventRow);
  }
  return rows.map((row) => ({ row, summary: storedRunSummary(row, eventsOf(byRun.get(row.run_id) ?? []), options.isAlive) }));
}

/** The newest run of each job (of `jobIds` when given), by job id: the row only, for `list`. */
export async function latestStoredRuns(store: HistoryStore, jobIds?: string[]): Promise<Map<string, StoredRunRow>> {
  const filter = jobIds === undefined ? "" : "where r.job_id = any($1::text[])";
  const { rows } = await store.pool.query(
    `select distinct on (r.job_id) ${runRowColumns(store.schema)} from ${store.schema}.runs r ${filter} order by r.job_id, r.run_id desc`,
    jobIds === undefined ? [] : [jobIds],
  );
  return new Map((rows as Record<string, unknown>[]).map(storedRunRow).map((row) => [row.job_id, row]));
}

/**
 * The newest `perJob` rows of every job (of `jobIds` when given), newest first within each job, in
 * one query (a window over the runs_job index): the console's catalogue of the whole cluster.
 */
export async function recentStoredRunsByJob(store: HistoryStore, perJob: number, jobIds?: readonly string[]): Promise<Map<string, StoredRunRow[]>> {
  const bounded = Math.min(Math.max(1, Math.floor(perJob)), 1000);
  const filter = jobIds === undefined ? "" : "where r.job_id = any($1::text[])";
  const { rows } = await store.pool.query(
    `select ${runRowColumns(store.schema)} from (
       select *, row_number() over (partition by job_id order by run_id desc) as newest from ${store.schema}.runs ${filter.replace("r.", "")}
     ) r where r.newest <= ${bounded} order by r.job_id, r.run_id desc`,
    jobIds === undefined ? [] : [jobIds],
  );
  const byJob = new Map<string, StoredRunRow[]>();
  for (const row of (rows as Record<string, unknown>[]).map(storedRunRow)) {
    let list = byJob.get(row.job_id);
    if (!list) byJob.set(row.job_id, (list = []));
    list.push(row);
  }
  return byJob;
}

/**
 * Runs whose id is `query`, or else starts with it, newest first (at most `limit`), as (run id,
 * job id). A whole id is looked up by the key; a prefix is a LIKE, which may read the whole table
 * under a non-C collation, so it is only tried when the whole id is not found.
 */
export async function findStoredRuns(store: HistoryStore, query: string, limit = 11): Promise<{ runId: string; jobId: string }[]> {
  const bounded = Math.max(1, Math.floor(limit));
  const pick = (rows: unknown[]) => (rows as { run_id: string; job_id: string }[]).map((row) => ({ runId: row.run_id, jobId: row.job_id }));
  const exact = await store.pool.query(`select run_id, job_id from ${store.schema}.runs where run_id = $1`, [query]);
  if (exact.rows.length > 0) return pick(exact.rows);
  const prefix = query.replace(/[\\%_]/g, (character) => `\\${character}`);
  const { rows } = await store.pool.query(`select run_id, job_id from ${store.schema}.runs where run_id like $1 || '%' order by run_id desc limit ${bounded}`, [
    prefix,
  ]);
  return pick(rows);
}

/** The row of run `runId`, judged; undefined when the store has none. */
export async function readStoredRunRow(store: HistoryStore, runId: string): Promise<StoredRunRow | undefined> {
  const rows = await rowsWhere(store, "where r.run_id = $1", [runId], 1);
  return rows[0];
}

/** Run `runId` with all its events in order; undefined when the store has no row for it. */
export async function readStoredRun(
  store: HistoryStore,
  runId: string,
  isAlive: IsAlive = processIsAlive,
): Promise<{ run: StoredRun; events: RunEvent[] } | undefined> {
  const row = await readStoredRunRow(store, runId);
  if (!row) return undefined;
  const { rows } = await store.pool.query(`select event from ${store.schema}.run_events where run_id = $1 order by seq`, [runId]);
  const events = eventsOf(rows as { event: unknown }[]);
  return { run: { row, summary: storedRunSummary(row, events, isAlive) }, events };
}

/**
 * The runs that resumed run `runId` of job `jobId` (`run --resume`), oldest first, with their
 * judged status: resumes start later, so only the job's later runs with trigger resume are read.
 */
export async function findStoredResumes(store: HistoryStore, jobId: string, runId: string, isAlive: IsAlive = processIsAlive): Promise<StoredRunRow[]> {
  const rows = await rowsWhere(
    store,
    `where r.job_id = $1 and r.trigger = 'resume' and r.run_id > $2
       and exists (select 1 from ${store.schema}.run_events e where e.run_id = r.run_id and e.seq = 0 and e.event->>'resume_of' = $2)`,
    [jobId, runId],
    MAX_LISTED,
  );
  return rows.reverse().map((row) => ({ ...row, status: judgedStatus(row, isAlive) }));
}
