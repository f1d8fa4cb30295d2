/**
 * Finds a run the console is asked about and reads it whole: this host's log when it has one (the
 * log is the run's whole record), else the state store's copy, as `nomaflow show` does.
 */
import { basename, dirname } from "node:path";
import type { IsAlive } from "../files/processIsAlive.js";
import { isRunId } from "../identity/runId.js";
import type { Project } from "../project/loadProject.js";
import { listRunLogs } from "../run-logs/listRuns.js";
import { readRunLog, summarizeRun } from "../run-logs/readRunLog.js";
import type { RunStatus } from "../run-logs/readRunLog.js";
import { findStoredResumes, findStoredRuns, readStoredRun, readStoredRunRow, storedRunSummary } from "../state/runHistoryReader.js";
import type { RunDetail } from "./consoleApi.js";
import { MAX_HISTORY } from "./jobHistory.js";
import type { ConsoleStore } from "./consoleStore.js";
import { HttpRefusal } from "./httpAnswers.js";
import type { LocalRunIndex } from "./localRunIndex.js";
import { RunDetailFold } from "./runDetailFold.js";

export type RunSource = { kind: "log"; path: string; runId: string; jobId: string } | { kind: "store"; runId: string };

export interface RunLocation {
  project: Project;
  index: LocalRunIndex;
  store: ConsoleStore;
}

/** @throws HttpRefusal 404 naming the run, with the runs it may have meant */
export async function locateRun(runId: string, { project, index, store }: RunLocation): Promise<RunSource> {
  if (!isRunId(runId)) {
    throw new HttpRefusal(404, `no run ${JSON.stringify(runId.slice(0, 80))}: a run id looks like 20261206T010000000Z-k3f9qa`, {
      hint: "the History page lists a job's runs",
    });
  }
  const runsDir = project.config.runsDir;
  const known = index.pathOf(runId);
  const logs = known ? [{ path: known, runId }] : listRunLogs(runsDir).filter((log) => log.runId.slice(0, 20) === runId.slice(0, 20));
  const local = logs.find((log) => log.runId === runId);
  if (local) return { kind: "log", path: local.path, runId, jobId: basename(dirname(local.path)) };
  const stored = await store.read(project, (pool) => findStoredRuns(pool, runId, 1));
  if (stored?.some((run) => run.runId === runId)) return { kind: "store", runId };
  // Runs started in the same second: a mistyped suffix.
  const near = logs.map((log) => log.runId);
  throw new HttpRefusal(404, `no run ${runId}${project.config.state ? " in this host's run logs or the state store" : ""}`, {
    hint: near.length > 0 ? `did you mean ${near[0]}?` : "the History page lists a job's runs",
  });
}

/** The run's events folded so far, ready for more; `refresh` reads again what the store judges of it. */
export interface FoldedRun {
  fold: RunDetailFold;
  refresh(): Promise<void>;
}

/** A fold of the run's events so far (the live page folds new events into it). */
export async function foldRun(source: RunSource, location: RunLocation, isAlive: IsAlive): Promise<FoldedRun> {
  if (source.kind === "log") {
    const fold = new RunDetailFold((events) => summarizeRun(events, isAlive, { runId: source.runId, jobId: source.jobId }));
    for (const event of readRunLog(source.path).events) fold.apply(event);
    return { fold, refresh: async () => {} };
  }
  const found = await location.store.read(location.project, (pool) => readStoredRun(pool, source.runId, isAlive));
  if (!found) throw new HttpRefusal(503, `run ${source.runId} could not be read from the state store`, { hint: location.store.problem });
  let { row } = found.run;
  const fold = new RunDetailFold((events) => storedRunSummary(row, events, isAlive), row.events_missing);
  for (const event of found.events) fold.apply(event);
  const refresh = async () => {
    const again = await location.store.read(location.project, (pool) => readStoredRunRow(pool, source.runId));
    if (again) {
      row = again;
      fold.eventsMissing = again.events_missing;
    }
  };
  return { fold, refresh };
}

export async function readRunDetail(runId: string, location: RunLocation, isAlive: IsAlive): Promise<RunDetail> {
  const detail = (await foldRun(await locateRun(runId, location), location, isAlive)).fold.detail();
  // Only a run that ended can have been resumed.
  if (detail.status === "running") return detail;
  const resumedBy = await resumesOf(detail.jobId, runId, location, isAlive);
  return resumedBy.length > 0 ? { ...detail, resumedBy } : detail;
}

/** The later runs that resumed run `runId`, oldest first: this host's (its latest MAX_HISTORY runs of the job) and the store's, as `nomaflow show` lists them. */
async function resumesOf(
  jobId: string,
  runId: string,
  { project, index, store }: RunLocation,
  isAlive: IsAlive,
): Promise<{ runId: string; status: RunStatus }[]> {
  const byId = new Map<string, RunStatus>();
  const stored = await store.read(project, (pool) => findStoredResumes(pool, jobId, runId, isAlive));
  for (const row of stored ?? []) byId.set(row.run_id, row.status as RunStatus);
  for (const digest of index.runsOf(project.config.runsDir, jobId, MAX_HISTORY)) {
    if (digest.runId > runId && digest.resumeOf === runId) byId.set(digest.runId, digest.status);
  }
  return [...byId].map(([id, status]) => ({ runId: id, status })).sort((a, b) => (a.runId < b.runId ? -1 : 1));
}
