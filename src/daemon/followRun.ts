/**
 * A started run followed to its end on the daemon's behalf: recorded in the fire store, its end
 * logged and counted, its `forbid` lock released and its end recorded. Whatever fails on the way
 * is logged, never thrown: a run's bookkeeping must not stop the scheduler.
 */
import type { Clock } from "./clock.js";
import type { LaunchedRun, LaunchRequest, RunOutcome } from "./daemonJob.js";
import type { DaemonLog } from "./daemonLog.js";
import type { FireStore, JobLock } from "./fireStore.js";
import type { DaemonMetrics } from "./metrics.js";

export interface FollowRunOptions {
  store: FireStore;
  log: DaemonLog;
  metrics?: Pick<DaemonMetrics, "runFinished">;
  clock: Clock;
}

/**
 * Resolves with the run's status once its end is recorded. `onSlotFree` is called as soon as the
 * run has ended, before the lock is released and the store told: a fire waiting for a slot may
 * start then.
 */
export async function followRun(
  options: FollowRunOptions,
  request: LaunchRequest,
  run: LaunchedRun,
  lock: JobLock | undefined,
  onSlotFree: () => void,
): Promise<RunOutcome["status"]> {
  const { store, log, metrics, clock } = options;
  const jobId = request.daemonJob.job.id;
  let status: RunOutcome["status"] = "failed";
  try {
    await store.runStarted({ jobId, runId: run.runId, trigger: request.trigger, scheduledFor: request.scheduledFor, recoveryOf: request.recoveryOf });
  } catch (error) {
    log.error("store_error", jobId, { run: run.runId, error: (error as Error).message });
  }
  try {
    const outcome = await run.result;
    const fields = { run: run.runId, status: outcome.status, duration_ms: outcome.durationMs };
    if (outcome.status === "succeeded") log.info("run_finished", jobId, fields);
    else log.warn("run_finished", jobId, fields);
    metrics?.runFinished(jobId, outcome.status, outcome.durationMs, clock.now());
    status = outcome.status;
  } catch (error) {
    log.error("run_error", jobId, { run: run.runId, error: (error as Error).message });
  } finally {
    onSlotFree();
    try {
      await lock?.release();
      await store.runFinished(jobId, run.runId, status);
    } catch (error) {
      log.error("store_error", jobId, { run: run.runId, error: (error as Error).message });
    }
  }
  return status;
}
