/**
 * `nomaflow backfill`: one run of the job for each fire time of a plan, in order, `parallel` at a
 * time, each its own run (trigger `backfill`) for its logical date. The first failure stops the
 * starting of new runs (the runs going finish) unless `continueOnFailure`; an interrupt stops
 * them and interrupts the runs going, which end with run_interrupted; finished runs stay as they
 * are. What did not run is left for the next backfill over the range, which skips what succeeded.
 */
import type { Job } from "../project/job.js";
import type { Project } from "../project/loadProject.js";
import type { RunEvent } from "../run-logs/runEvents.js";
import { newRunId } from "../identity/runId.js";
import { startRun, type RunHandle, type RunResult } from "../runner/startRun.js";
import type { BackfillFire } from "./backfillPlan.js";
import type { ForbidGate, HeldJob } from "./forbidGate.js";

/** What a backfill tells as it goes. */
export interface BackfillProgress {
  /** A fire's run started. */
  started(fire: BackfillFire, runId: string): void;
  /** It ended. */
  ended(fire: BackfillFire, result: RunResult): void;
  /** A fire waits for another run of the job (`concurrency: forbid`). */
  waiting(fire: BackfillFire, heldBy: string): void;
}

/** Records one run's events elsewhere (the state store), then says what it could not. */
export interface BackfillRecorder {
  record(event: RunEvent): void;
  finish(): Promise<string | undefined>;
}

export interface BackfillOptions {
  project: Project;
  job: Job;
  params: Record<string, unknown>;
  /** In order. */
  fires: readonly BackfillFire[];
  /** How many runs at once. @default 1 */
  parallel?: number;
  /** @default false: the first failure stops the starting of new runs */
  continueOnFailure?: boolean;
  /** Aborting it interrupts the runs going and starts no more. */
  interrupt: AbortSignal;
  progress: BackfillProgress;
  /** For `concurrency: forbid`: one run at a time, apart from every other run of the job. */
  gate?: ForbidGate;
  /** A recorder for each run (with `state:`); its warning goes to `onWarning`. */
  recorder?: () => BackfillRecorder | undefined;
  onWarning?: (warning: string) => void;
}

export interface BackfillRunOutcome {
  fire: BackfillFire;
  result: RunResult;
}

export interface BackfillOutcome {
  /** The runs that ended, in fire order. */
  runs: BackfillRunOutcome[];
  /** The fires never started, in order. */
  notRun: BackfillFire[];
  /** Why it ended before the last fire: a run failed, or it was interrupted. */
  stoppedBy: "failure" | "interrupt" | undefined;
}

export interface BackfillHandle {
  done: Promise<BackfillOutcome>;
  /** A second interrupt: every run going ends at once (see RunHandle.forceStop). */
  forceStop(): Promise<void>;
}

export function runBackfill(options: BackfillOptions): BackfillHandle {
  const { fires, interrupt, progress } = options;
  const parallel = options.gate ? 1 : Math.max(1, options.parallel ?? 1);
  const going = new Set<RunHandle>();
  const outcomes: BackfillRunOutcome[] = [];
  let next = 0;
  let failed = false;

  const stopStarting = () => interrupt.aborted || (failed && !options.continueOnFailure);

  const runOne = async (fire: BackfillFire): Promise<void> => {
    const runId = newRunId(new Date());
    let held: HeldJob | undefined;
    if (options.gate) {
      held = await options.gate.acquire({ runId, scheduledFor: fire.logicalDate.scheduledFor }, interrupt, (heldBy) => progress.waiting(fire, heldBy));
      if (!held) return;
    }
    try {
      const recorder = options.recorder?.();
      const handle = startRun({
        project: options.project,
        job: options.job,
        params: options.params,
        trigger: "backfill",
        runId,
        logicalDate: fire.logicalDate,
        interrupt,
        onEvent: recorder ? (event) => recorder.record(event) : undefined,
      });
      going.add(handle);
      progress.started(fire, runId);
      const result = await handle.result;
      going.delete(handle);
      outcomes.push({ fire, result });
      if (result.status === "failed") failed = true;
      progress.ended(fire, result);
      const warning = await recorder?.finish();
      if (warning !== undefined) options.onWarning?.(warning);
    } finally {
      await held?.release();
    }
  };

  // Each worker takes the next fire in order until none is left or the backfill stops.
  const worker = async (): Promise<void> => {
    while (next < fires.length && !stopStarting()) {
      const fire = fires[next++]!;
      await runOne(fire);
    }
  };

  const done = Promise.all(Array.from({ length: Math.min(parallel, fires.length) }, worker)).then((): BackfillOutcome => {
    const ran = new Set(outcomes.map((outcome) => outcome.fire.number));
    const notRun = fires.filter((fire) => !ran.has(fire.number));
    outcomes.sort((a, b) => a.fire.number - b.fire.number);
    const stoppedBy = interrupt.aborted ? "interrupt" : failed && !options.continueOnFailure && notRun.length > 0 ? "failure" : undefined;
    return { runs: outcomes, notRun, stoppedBy };
  });

  return {
    done,
    forceStop: async () => {
      await Promise.all([...going].map((handle) => handle.forceStop()));
    },
  };
}
