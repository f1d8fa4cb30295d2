/**
 * `nomaflow run JOB --resume RUN`: what a resumed run takes from the run it resumes. It runs for
 * the same logical date with the same parameters; the steps that succeeded before the one that
 * failed (or was cut off) are not run again, their outputs taken from the old run, unless they say
 * `rerun_on_resume: true`; from the failed step on, the job runs as it would. Resuming is refused
 * when it could not mean that: a run that succeeded, is still going, belongs to another job, or
 * whose steps the job no longer has.
 */
import { UsageError } from "../errors/nomaflowError.js";
import type { Job } from "../project/job.js";
import type { RunSummary } from "../run-logs/readRunLog.js";
import { runStartedAt } from "../identity/runId.js";
import type { StepOutput } from "../step-types/stepType.js";
import { logicalDateOfRun, type LogicalDate } from "./logicalDate.js";

export interface ResumePlan {
  /** The run resumed. */
  of: string;
  /** The old run's parameters, over the defaults of any parameter declared since. */
  params: Record<string, unknown>;
  logicalDate: LogicalDate;
  /** The steps not run again, with their outputs in the old run, by name in job order. */
  reused: ReadonlyMap<string, StepOutput>;
}

/** What a step counts as in the old run: a step that ran and ended, or where the run stopped. */
const ENDED = new Set(["succeeded", "skipped"]);

/**
 * The plan to resume `old` (the summary of its log) as a run of `job`.
 * @throws UsageError when the run cannot be resumed, saying why and what to do instead
 */
export function planResume(job: Job, old: RunSummary): ResumePlan {
  const runId = old.run_id;
  if (old.job_id !== job.id) {
    throw new UsageError(`run ${runId} is a run of job ${old.job_id}, not of ${job.id}`, { hint: `nomaflow run ${old.job_id} --resume ${runId}` });
  }
  const again = `to run the job again for the same logical date: nomaflow run ${job.id}${old.scheduled_for ? ` --for ${old.scheduled_for}` : ""}`;
  switch (old.status) {
    case "succeeded":
      throw new UsageError(`run ${runId} of ${job.id} succeeded: there is nothing to resume`, { hint: again });
    case "running":
      throw new UsageError(`run ${runId} of ${job.id} is still running (pid ${old.pid ?? "?"} on ${old.host ?? "?"})`, {
        hint: "resume it once it has failed or been interrupted (nomaflow show --follow waits for its end)",
      });
    default:
      break;
  }
  if (old.started_at === null || old.host === null) {
    throw new UsageError(`run ${runId} of ${job.id} has no run_started event: its parameters and steps are unknown`, { hint: again });
  }
  const current = new Map(job.steps.map((step) => [step.name, step]));
  const missing = old.steps.filter((step) => !current.has(step.name)).map((step) => step.name);
  if (missing.length > 0) {
    const names = missing.join(", ");
    throw new UsageError(
      `job ${job.id} changed since run ${runId}: ${missing.length === 1 ? `step ${names} is` : `steps ${names} are`} no longer in ${job.file}`,
      { hint: `a resumed run reuses the old run's steps by name; ${again}` },
    );
  }

  // The steps that succeeded before the first one that did not end well are the ones not run again.
  const reused = new Map<string, StepOutput>();
  for (const step of old.steps) {
    if (!ENDED.has(step.status)) break;
    if (step.status === "succeeded" && !current.get(step.name)!.rerunOnResume) reused.set(step.name, step.output ?? {});
  }

  const params: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(job.params)) if (definition.default !== undefined) params[name] = definition.default;
  Object.assign(params, old.params);

  const startedMs = Date.parse(old.started_at) || (runStartedAt(runId) ?? Date.now());
  // A log written before logical dates were recorded whole: they are worked out as they were then.
  const logicalDate: LogicalDate =
    old.scheduled_for !== null && old.interval_start !== undefined && old.interval_end !== undefined
      ? { scheduledFor: old.scheduled_for, intervalStart: old.interval_start, intervalEnd: old.interval_end }
      : logicalDateOfRun(job, old.scheduled_for, startedMs);
  return { of: runId, params, logicalDate, reused };
}
