/**
 * Run-log retention (`runs_retention: { days, keep_last }`): deletes the logs of each job that are
 * both beyond its newest `keep_last` and of runs started more than `days` ago (a field left out
 * does not restrict). Never a job's newest log, and never a run still going: its log has no final
 * event and its process is alive, judged as `nomaflow runs` judges it. `nomaflow runs prune` and the
 * daemon (once an hour) call it.
 *
 * Run ids sort by start time, so each job's candidates are found from a directory listing; only
 * a candidate's two ends are read, to tell a finished or abandoned run from one still going.
 */
import { stat, unlink } from "node:fs/promises";
import { processIsAlive, type IsAlive } from "../files/processIsAlive.js";
import { runStartedAt } from "../identity/runId.js";
import type { Job, RetentionSettings } from "../project/job.js";
import type { Project } from "../project/loadProject.js";
import { mergeRetention } from "../project/resolveJob.js";
import { listRunLogs } from "./listRuns.js";
import { readRunLogEnds } from "./runLogEnds.js";

const DAY_MS = 86_400_000;
/** A log without run_started is its run's first instants (as readRunLog judges it): going. */
const STARTUP_GRACE_MS = 10_000;

export interface PruneOptions {
  runsDir: string;
  /** Each job's retention; undefined: all its logs are kept (no retention, or its job file is invalid). */
  retentionOf: (jobId: string) => RetentionSettings | undefined;
  nowMs: number;
  /** Only say what would be deleted. @default false */
  dryRun?: boolean;
  /** @default processIsAlive */
  isAlive?: IsAlive;
}

export interface PrunedLog {
  jobId: string;
  runId: string;
  /** ISO 8601 UTC, from the run id. */
  startedAt: string;
  bytes: number;
}

/** One job's folder of logs, after pruning. */
export interface PrunedJob {
  jobId: string;
  retention: RetentionSettings | undefined;
  removed: PrunedLog[];
  /** Logs left. */
  kept: number;
  /** Logs old enough to go whose run is still going, kept. */
  going: string[];
  /** Logs that could not be deleted, with why. */
  failed: { runId: string; error: string }[];
}

export interface PruneResult {
  dryRun: boolean;
  jobs: PrunedJob[];
  /** Logs deleted (or, in a dry run, that would be), and their bytes. */
  removedCount: number;
  removedBytes: number;
}

/**
 * Which retention governs each folder of logs: a valid job's own (`validJob`); none for a job whose
 * file did not validate (its `runs_retention` cannot be trusted: its logs are kept); for a folder
 * whose job file is gone, `defaults.runs_retention` of nomaflow.yaml.
 */
export function retentionOfLogs(
  project: Pick<Project, "config" | "jobFiles">,
  validJob: (jobId: string) => Pick<Job, "runsRetention"> | undefined,
): (jobId: string) => RetentionSettings | undefined {
  const jobFiles = new Set(project.jobFiles.map((entry) => entry.expectedId));
  const ofGoneJobs = mergeRetention(project.config.defaults.runs_retention, undefined);
  return (jobId) => {
    const job = validJob(jobId);
    if (job) return job.runsRetention;
    return jobFiles.has(jobId) ? undefined : ofGoneJobs;
  };
}

/** Whether a log's run is still going: no final event, and its process alive (or just starting). */
function stillGoing(path: string, runId: string, nowMs: number, isAlive: IsAlive): boolean {
  const ends = readRunLogEnds(path);
  if (ends.finished) return false;
  if (ends.started) return isAlive(ends.started.host, ends.started.pid);
  return nowMs - (runStartedAt(runId) ?? 0) < STARTUP_GRACE_MS;
}

export async function pruneRunLogs(options: PruneOptions): Promise<PruneResult> {
  const isAlive = options.isAlive ?? processIsAlive;
  const byJob = new Map<string, ReturnType<typeof listRunLogs>>();
  for (const log of listRunLogs(options.runsDir)) {
    let logs = byJob.get(log.jobId);
    if (!logs) byJob.set(log.jobId, (logs = []));
    logs.push(log);
  }
  const result: PruneResult = { dryRun: options.dryRun === true, jobs: [], removedCount: 0, removedBytes: 0 };
  for (const [jobId, logs] of [...byJob].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const retention = options.retentionOf(jobId);
    const job: PrunedJob = { jobId, retention, removed: [], kept: logs.length, going: [], failed: [] };
    result.jobs.push(job);
    if (!retention) continue;
    const keep = Math.max(1, retention.keepLast ?? 1);
    const before = retention.days === undefined ? Infinity : options.nowMs - retention.days * DAY_MS;
    // Newest first: past the kept ones, each log old enough is a candidate.
    for (const log of logs.slice(keep)) {
      const startedMs = runStartedAt(log.runId);
      if (startedMs === undefined || startedMs >= before) continue;
      if (stillGoing(log.path, log.runId, options.nowMs, isAlive)) {
        job.going.push(log.runId);
        continue;
      }
      try {
        const { size } = await stat(log.path);
        if (!options.dryRun) await unlink(log.path);
        job.removed.push({ jobId, runId: log.runId, startedAt: new Date(startedMs).toISOString(), bytes: size });
        job.kept--;
        result.removedCount++;
        result.removedBytes += size;
      } catch (error) {
        // Gone already (another prune, a person): nothing left to delete.
        if ((error as NodeJS.ErrnoException).code === "ENOENT") job.kept--;
        else job.failed.push({ runId: log.runId, error: (error as Error).message });
      }
    }
  }
  return result;
}
