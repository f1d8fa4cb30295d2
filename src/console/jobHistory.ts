/**
 * `GET api/jobs/ID/history`: a job's runs, newest first, with the numbers the page charts: the
 * failure rate of those that ended, and the slowest step among them.
 */
import type { HistoryRun, JobHistory } from "./consoleApi.js";
import type { RunDigest } from "./runDigest.js";

export const DEFAULT_HISTORY = 200;
export const MAX_HISTORY = 1000;

export function jobHistory(jobId: string, runs: readonly RunDigest[]): JobHistory {
  const ended = runs.filter((run) => run.status !== "running");
  const failed = ended.filter((run) => run.status !== "succeeded").length;
  let slowestStep: JobHistory["slowestStep"] = null;
  for (const run of runs) {
    const step = run.slowestStep;
    if (step && (slowestStep === null || step.durationMs > slowestStep.durationMs))
      slowestStep = { name: step.name, durationMs: step.durationMs, runId: run.runId };
  }
  return {
    jobId,
    runs: runs.map((run): HistoryRun => ({
      runId: run.runId,
      status: run.status,
      trigger: run.trigger,
      startedAt: run.startedAt,
      durationMs: run.durationMs,
      rows: run.rows,
      host: run.host,
    })),
    failureRate: ended.length === 0 ? null : failed / ended.length,
    slowestStep,
  };
}
