/**
 * Finding the run a command names by its id or the start of it: among this host's run logs, and,
 * with `state:`, the runs of every host in the state store. `show` and `run --resume` share it.
 */
import { basename, dirname } from "node:path";
import { UsageError } from "../errors/nomaflowError.js";
import { displayPath, type Project } from "../project/loadProject.js";
import { readRunLogEnds } from "../run-logs/runLogEnds.js";
import { findRunLog, listRunLogs } from "../run-logs/listRuns.js";
import { processIsAlive, readRunLog, readRunSummary, summarizeRun, type RunSummary } from "../run-logs/readRunLog.js";
import { findStoredRuns, readStoredRun } from "../state/runHistoryReader.js";
import { readClusterHistory } from "./clusterHistory.js";
import type { Output } from "./output.js";
import type { ResumedBy } from "./render/runTimeline.js";

/** This host's runs whose id is `query` or starts with it: run id → job id. */
export function localMatches(project: Project, query: string): Map<string, string> {
  return new Map(
    listRunLogs(project.config.runsDir)
      .filter((log) => log.runId.startsWith(query))
      .map((log) => [log.runId, log.jobId]),
  );
}

/**
 * The one run `query` names among this host's logs and the store's runs (an exact id wins).
 * @throws UsageError when none matches, or when a prefix matches several (naming them).
 */
export function pickRun(query: string, local: Map<string, string>, stored: { runId: string; jobId: string }[], project: Project): string {
  if (query === "") throw new UsageError("give a run id (or the start of one); nomaflow runs lists them");
  const jobs = new Map([...stored.map((run): [string, string] => [run.runId, run.jobId]), ...local]);
  const ids = [...jobs.keys()].sort().reverse();
  if (jobs.has(query)) return query;
  if (ids.length === 1) return ids[0]!;
  if (ids.length === 0) throw new UsageError(`no run ${query} in ${displayPath(project.config.runsDir, project.cwd)} or in the state store; see nomaflow runs`);
  const shown = ids.slice(0, 10).map((id) => `${id} (${jobs.get(id)})`);
  throw new UsageError(`run id ${query} is ambiguous: it could be ${shown.join(", ")}${ids.length > 10 ? ", and more" : ""}; give more of it`);
}

/** The summary of the run `query` names: from this host's log when it has one, else from the state store. */
export async function readNamedRun(project: Project, output: Output, query: string): Promise<RunSummary> {
  const fromStore = await readClusterHistory(project, output, async (store) => {
    const local = localMatches(project, query);
    const found = pickRun(query, local, await findStoredRuns(store, query), project);
    if (local.has(found)) return undefined;
    const stored = await readStoredRun(store, found);
    if (!stored) throw new UsageError(`no run ${found} in the state store; see nomaflow runs`);
    return stored.run.summary;
  });
  if (fromStore !== undefined) return fromStore;
  const path = findRunLog(project.config.runsDir, query);
  return summarizeRun(readRunLog(path, { skipLogEvents: true }).events, processIsAlive, { runId: basename(path, ".ndjson"), jobId: basename(dirname(path)) });
}

/** The runs on this host that resumed run `runId` of `jobId`, oldest first: its later runs whose run_started says so. */
export function localResumes(project: Project, jobId: string, runId: string): ResumedBy[] {
  return listRunLogs(project.config.runsDir, jobId)
    .filter((log) => log.runId > runId && readRunLogEnds(log.path).started?.resume_of === runId)
    .map((log) => ({ runId: log.runId, status: readRunSummary(log.path).status }))
    .reverse();
}
