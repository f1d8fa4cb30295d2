/**
 * Finds run logs under the runs folder. File names are run ids, which sort by start time, so the
 * newest runs are found from directory listings alone and only the logs shown are read.
 */
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { ConfigError, UsageError } from "../errors/nomaflowError.js";
import { processIsAlive, type IsAlive } from "../files/processIsAlive.js";
import { readRunSummary, type RunSummary } from "./readRunLog.js";
import { isRunId } from "../identity/runId.js";

const LOG_EXTENSION = ".ndjson";

/** A run log found on disk, not yet read. */
export interface RunLogEntry {
  runId: string;
  jobId: string;
  path: string;
}

export interface ListRunsOptions {
  /** Only this job's runs. */
  jobId?: string;
  /** At most this many, the newest. Default: all. */
  limit?: number;
  /** @default processIsAlive */
  isAlive?: IsAlive;
}

function readFolder(path: string): { name: string; isDirectory: boolean }[] {
  try {
    return readdirSync(path, { withFileTypes: true }).map((entry) => ({ name: entry.name, isDirectory: entry.isDirectory() }));
  } catch (error) {
    // No runs folder (nothing has run yet) or no folder for this job: no runs.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw new ConfigError(`cannot read the run logs in ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Every run log under `runsDir` (of one job when `jobId` is given), newest first. */
export function listRunLogs(runsDir: string, jobId?: string): RunLogEntry[] {
  // A job id is a plain name; anything else would read outside the runs folder.
  if (jobId !== undefined && !/^[A-Za-z0-9][\w.-]*$/.test(jobId)) return [];
  const jobIds =
    jobId !== undefined
      ? [jobId]
      : readFolder(runsDir)
          .filter((entry) => entry.isDirectory)
          .map((entry) => entry.name);
  const logs: RunLogEntry[] = [];
  for (const job of jobIds) {
    const folder = join(runsDir, job);
    for (const entry of readFolder(folder)) {
      if (entry.isDirectory || !entry.name.endsWith(LOG_EXTENSION)) continue;
      const runId = entry.name.slice(0, -LOG_EXTENSION.length);
      if (isRunId(runId)) logs.push({ runId, jobId: job, path: join(folder, entry.name) });
    }
  }
  return logs.sort((a, b) => (a.runId === b.runId ? (a.jobId < b.jobId ? -1 : 1) : a.runId < b.runId ? 1 : -1));
}

/** Summaries of the newest runs, newest first, across jobs unless `jobId` is given. */
export function listRuns(runsDir: string, options: ListRunsOptions = {}): RunSummary[] {
  const logs = listRunLogs(runsDir, options.jobId);
  const shown = options.limit === undefined ? logs : logs.slice(0, options.limit);
  return shown.map((log) => readRunSummary(log.path, options.isAlive ?? processIsAlive));
}

/** The newest run of a job, or undefined when it has never run. */
export function latestRun(runsDir: string, jobId: string, isAlive: IsAlive = processIsAlive): RunSummary | undefined {
  return listRuns(runsDir, { jobId, limit: 1, isAlive })[0];
}

/**
 * The log of the run whose id is `query` or starts with it.
 * @throws UsageError when no run matches, or when a prefix matches several (naming them).
 */
export function findRunLog(runsDir: string, query: string): string {
  const shownDir = `${basename(runsDir)}/`;
  if (query === "") throw new UsageError("give a run id (or the start of one); nomaflow runs lists them");
  const matches = listRunLogs(runsDir).filter((log) => log.runId.startsWith(query));
  const exact = matches.filter((log) => log.runId === query);
  const found = exact.length > 0 ? exact : matches;
  if (found.length === 1) return found[0]!.path;
  if (found.length === 0) throw new UsageError(`no run ${query} in ${shownDir}; see nomaflow runs`);
  const shown = found.slice(0, 10).map((log) => `${log.runId} (${log.jobId})`);
  const more = found.length > shown.length ? `, and ${found.length - shown.length} more` : "";
  throw new UsageError(`run id ${query} is ambiguous: it could be ${shown.join(", ")}${more}; give more of it`);
}
