/**
 * How the daemon starts a run: `startRun` with the job's default parameters (or those given to a
 * manual run from the console), the daemon's one
 * interrupt signal (aborted when the grace period after SIGTERM is over), and the run's alert
 * events copied into the daemon's log.
 */
import { parseParams } from "../runner/parseParams.js";
import { startRun, type RunHandle } from "../runner/startRun.js";
import { killProcessGroupsNow } from "../step-types/processGroup.js";
import type { RunEvent } from "../run-logs/runEvents.js";
import type { LaunchRun } from "./daemonJob.js";
import type { DaemonLog } from "./daemonLog.js";

export interface RunLauncherOptions {
  log: DaemonLog;
  /** Aborted to interrupt every run (the grace period is over). */
  interrupt: AbortSignal;
  /** @default Date.now */
  now?: () => number;
  /** Every event of every run, as written to its log (the state store's history writer). */
  onRunEvent?: (event: RunEvent) => void;
}

export interface RunLauncher {
  launch: LaunchRun;
  /**
   * Ends every run going at once (a second SIGTERM): their steps' signals fire, every process
   * group is killed now, and each run writes run_interrupted when its step has ended.
   * Returns how many process groups were killed.
   */
  forceStopAll(): number;
  /** Interrupts every run going now, for `reason` (the lease lost); runs started later are not touched. Returns how many. */
  interruptRuns(reason: Error): number;
}

export function createRunLauncher(options: RunLauncherOptions): RunLauncher {
  const handles = new Map<string, RunHandle>();
  const onEvent = (event: RunEvent) => {
    options.onRunEvent?.(event);
    if (event.event !== "alert_sent" && event.event !== "alert_failed") return;
    const fields = { run: event.run_id, channel: event.channel, kind: event.kind, error: event.error };
    if (event.event === "alert_sent") options.log.info("alert_sent", event.job_id, fields);
    else options.log.error("alert_failed", event.job_id, fields);
  };
  // Each run listens to a signal of its own: a thousand runs listening to the daemon's one signal
  // would make every listener added cost a walk over all the others (EventTarget keeps a list).
  const interrupts = new Set<AbortController>();
  const interruptAll = () => {
    for (const controller of interrupts) controller.abort(options.interrupt.reason);
  };
  if (options.interrupt.aborted) interruptAll();
  else options.interrupt.addEventListener("abort", interruptAll, { once: true });
  return {
    launch: ({ daemonJob, runId, trigger, scheduledFor, recoveryOf, logicalDate, afterRuns, params: given }) => {
      const { job, project } = daemonJob;
      // A parameter that is required and has no default cannot be given to a scheduled run.
      const params = given ?? parseParams(job, []);
      const interrupt = new AbortController();
      if (options.interrupt.aborted) interrupt.abort(options.interrupt.reason);
      interrupts.add(interrupt);
      const handle = startRun({
        project,
        job,
        params,
        runId,
        trigger,
        scheduledFor,
        logicalDate,
        recoveryOf,
        afterRuns,
        interrupt: interrupt.signal,
        onEvent,
        now: options.now,
        // Many fires at once open their logs off the loop; a run started by hand has its log when Run now answers.
        openLogInBackground: trigger !== "manual",
      });
      handles.set(handle.runId, handle);
      const result = handle.result
        .then((outcome) => ({ status: outcome.status, durationMs: outcome.durationMs }))
        .finally(() => {
          handles.delete(handle.runId);
          interrupts.delete(interrupt);
        });
      return { runId: handle.runId, scheduledFor: handle.scheduledFor, result };
    },
    interruptRuns: (reason) => {
      const going = [...interrupts];
      for (const controller of going) controller.abort(reason);
      return going.length;
    },
    forceStopAll: () => {
      for (const handle of handles.values()) void handle.forceStop();
      return killProcessGroupsNow();
    },
  };
}
