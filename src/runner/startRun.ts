/**
 * Runs a job now: writes its run log, runs its steps in order by their `run_if`, and ends with
 * exactly one final event. The step types do the work; this file knows none of them by name.
 */
import { hostname } from "node:os";
import { setTimeout as sleepFor } from "node:timers/promises";
import { ConnectorSet } from "../connectors/connectorSet.js";
import { Notifier } from "../notifications/notifier.js";
import type { Job } from "../project/job.js";
import type { Project } from "../project/loadProject.js";
import type { ChainedAfterRun, RunEvent, Trigger, UnstampedRunEvent } from "../run-logs/runEvents.js";
import { RunLogWriter } from "../run-logs/runLogWriter.js";
import { newRunId } from "../identity/runId.js";
import type { StepOutput } from "../step-types/stepType.js";
import { VERSION } from "../identity/version.js";
import { collectKnownSecrets } from "../secrets/knownSecrets.js";
import { RunAlerts } from "../notifications/runAlerts.js";
import { runStep } from "./runStep.js";
import { startJobDeadline } from "./jobDeadline.js";
import { SecretMasker } from "../secrets/secretMasker.js";
import { RunInterruption } from "../errors/nomaflowError.js";
import { logicalDateOfRun, type LogicalDate } from "./logicalDate.js";
import type { ResumePlan } from "./resumePlan.js";

export interface RunOptions {
  project: Project;
  job: Job;
  /** Typed, with defaults filled in (see parseParams). */
  params: Record<string, unknown>;
  /** @default "manual" */
  trigger?: Trigger;
  /** Made by the caller (the daemon names the run in a job lock before it starts). @default a new run id */
  runId?: string;
  /** For trigger recovery: the abandoned run this one reruns. */
  recoveryOf?: string;
  /**
   * The fire time a scheduled run stands for, ISO with offset; its interval is worked out from the
   * job's schedule. Ignored when `logicalDate` is given. @default null: a manual run, for the
   * latest fire at or before its start (see logicalDate.ts)
   */
  scheduledFor?: string | null;
  /** The run's logical date whole (`run --for`, backfill, resume). */
  logicalDate?: LogicalDate;
  /** For trigger chain: the runs this one follows, recorded in run_started. */
  afterRuns?: ChainedAfterRun[];
  /** For trigger resume: the run resumed and the steps not run again (see resumePlan.ts). */
  resume?: Pick<ResumePlan, "of" | "reused">;
  /** Aborting it interrupts the run: the running step is cancelled, run_interrupted is written. */
  interrupt?: AbortSignal;
  /** Called with every event as written (masked). */
  onEvent?: (event: RunEvent) => void;
  /** @default Date.now */
  now?: () => number;
  /** Waits between tries. @default real timers */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** @default Math.random */
  random?: () => number;
  /** How long a step may take to stop after a timeout or an interrupt. @default 5000 */
  graceMs?: number;
  /** Delivers alerts and plugins' notifications. @default Notifier.forProject(project) */
  notifier?: Notifier;
  /** How long a minute of `on_long_run_minutes` is; tests shorten it. @default 60000 */
  minuteMs?: number;
  /**
   * Create the run log off the event loop (the daemon, starting many runs at once); a failure to
   * create it then fails the run instead of throwing from startRun. @default false
   */
  openLogInBackground?: boolean;
}

export interface RunResult {
  runId: string;
  logPath: string;
  status: "succeeded" | "failed" | "interrupted";
  durationMs: number;
  failedStep: string | null;
  error: string | null;
}

export interface RunHandle {
  runId: string;
  logPath: string;
  /** The run's logical date, as run_started records it. */
  scheduledFor: string;
  result: Promise<RunResult>;
  /**
   * Ends the run at once (a second Ctrl-C): the running step's signal fires (its queries are
   * cancelled, its processes stopped), and run_interrupted is written when the step has ended,
   * or after FORCED_STOP_WAIT_MS if it has not. Resolves when the log is closed.
   */
  forceStop(): Promise<RunResult>;
}

/** How long a forced stop waits for the running step to end before it writes the run's end anyway. */
export const FORCED_STOP_WAIT_MS = 1_000;
const FORCED_STOP_ERROR = "stopped at once by a second interrupt";

/** How the steps ended, before alerts and the final event. */
interface StepsOutcome {
  status: RunResult["status"];
  failedStep: string | null;
  /** For the run's final event: `step NAME failed: …`. */
  error: string | null;
  /** The failed step's own error, for the alert. */
  stepError: string | null;
  /** Set when the job's `timeout` ended the run. */
  reason?: "job_timeout";
}

export function startRun(options: RunOptions): RunHandle {
  const { project, job } = options;
  const now = options.now ?? Date.now;
  const masker = new SecretMasker();
  collectKnownSecrets(project, job, masker);
  const runId = options.runId ?? newRunId(new Date(now()));
  const maskText = (text: string) => masker.mask(text);
  const writer = options.openLogInBackground
    ? RunLogWriter.openInBackground(project.config.runsDir, job.id, runId, maskText)
    : RunLogWriter.open(project.config.runsDir, job.id, runId, maskText);
  let finished = false;
  let closed = false;
  const emit = (event: UnstampedRunEvent): RunEvent => {
    // After a forced stop the abandoned step may still report; the log is closed to it.
    if (closed) return { ...event, ts: new Date(now()).toISOString(), run_id: runId, job_id: job.id } as RunEvent;
    const written = writer.write(event, new Date(now()));
    options.onEvent?.(written);
    return written;
  };
  const forced = new AbortController();
  const interrupt = options.interrupt ? AbortSignal.any([options.interrupt, forced.signal]) : forced.signal;
  const started = now();
  const logicalDate = options.logicalDate ?? logicalDateOfRun(job, options.scheduledFor ?? null, started);
  const host = hostname();
  const alerts = new RunAlerts({
    notifier: options.notifier ?? Notifier.forProject(project),
    job,
    runId,
    host,
    startedAt: started,
    now,
    masker,
    emit,
    minuteMs: options.minuteMs ?? 60_000,
    interrupt,
  });

  const finish = (
    status: RunResult["status"],
    failedStep: string | null,
    error: string | null,
    endedAt: number = now(),
    reason?: StepsOutcome["reason"],
  ): RunResult => {
    const durationMs = endedAt - started;
    if (!finished) {
      finished = true;
      const event = status === "succeeded" ? "run_succeeded" : status === "failed" ? "run_failed" : "run_interrupted";
      const why = status === "interrupted" && interrupt.reason instanceof RunInterruption ? interrupt.reason.reason : reason;
      emit({ event, duration_ms: durationMs, failed_step: failedStep, error: error === null ? null : masker.mask(error), reason: why });
      closed = true;
      writer.close();
    }
    return { runId, logPath: writer.path, status, durationMs, failedStep, error: error === null ? null : masker.mask(error) };
  };

  const connectors = new ConnectorSet({ connectors: project.config.connectors, environment: project.environment, projectRoot: project.root });
  const steps = async (): Promise<StepsOutcome> => {
    emit({
      event: "run_started",
      trigger: options.trigger ?? "manual",
      scheduled_for: logicalDate.scheduledFor,
      interval_start: logicalDate.intervalStart,
      interval_end: logicalDate.intervalEnd,
      params: options.params,
      host,
      pid: process.pid,
      version: VERSION,
      steps: job.steps.map((step) => step.name),
      step_types: job.steps.map((step) => step.type),
      recovery_of: options.recoveryOf,
      resume_of: options.resume?.of,
      after_runs: options.afterRuns,
    });
    // With the log created in the background, nothing runs before it exists.
    const logProblem = await writer.ready.then(
      () => null,
      (error: Error) => error.message,
    );
    if (logProblem !== null) return { status: "failed", failedStep: null, error: logProblem, stepError: logProblem };
    alerts.start();
    const deadline = startJobDeadline(job.timeoutMs);
    try {
      return await runSteps(deadline.signal);
    } finally {
      deadline.clear();
    }
  };
  const runSteps = async (deadline: AbortSignal): Promise<StepsOutcome> => {
    const outputs = new Map<string, StepOutput>();
    const missingOutputs = new Map<string, string>();
    let failedStep: string | null = null;
    let failure: string | null = null;
    let stepError: string | null = null;
    /** The step the job's timeout stopped. */
    let stoppedStep: string | null = null;
    /** Whether the timeout stopped or skipped a step: a step that finished its work as the timeout passed cut nothing. */
    let cutByTimeout = false;
    for (const step of job.steps) {
      if (interrupt.aborted || finished) break;
      // A step added to the job since the old run may fail before a reused one: that one then goes by its run_if.
      const reused = failedStep === null ? options.resume?.reused.get(step.name) : undefined;
      if (reused !== undefined) {
        emit({ event: "step_reused", step: step.name, from_run: options.resume!.of, output: reused });
        outputs.set(step.name, reused);
        continue;
      }
      // Once the job's time is up only `always` steps run, each within its own timeout.
      const timedOut = deadline.aborted;
      const failed = failedStep !== null;
      const runs = step.runIf === "always" || (!timedOut && (step.runIf === "success" ? !failed : failed));
      if (!runs) {
        const reason = timedOut ? (deadline.reason as Error).message : failed ? `step ${failedStep} failed` : "no earlier step failed";
        emit({ event: "step_skipped", step: step.name, reason });
        missingOutputs.set(step.name, `it was skipped: ${reason}`);
        cutByTimeout ||= timedOut;
        continue;
      }
      const type = project.registry.get(step.type);
      if (!type) throw new Error(`step type ${step.type} vanished from the registry after validation`);
      alerts.currentStep = step.name;
      const outcome = await runStep(step, {
        type,
        connectors,
        scope: {
          env: project.environment.values,
          params: options.params,
          jobId: job.id,
          runId,
          logicalDate,
          outputs,
          missingOutputs,
        },
        projectRoot: project.root,
        masker,
        emit,
        interrupt,
        now,
        sleep: options.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal })),
        random: options.random ?? Math.random,
        graceMs: options.graceMs ?? 5000,
        notify: (stepName, text, recipients) => alerts.notify(stepName, text, recipients),
        deadline: timedOut ? undefined : deadline,
      });
      if (!timedOut && deadline.aborted && outcome.status === "failed") {
        stoppedStep = step.name;
        cutByTimeout = true;
      }
      if (outcome.status === "succeeded") {
        outputs.set(step.name, outcome.output);
      } else {
        missingOutputs.set(step.name, "it failed");
        if (failedStep === null) {
          failedStep = step.name;
          failure = `step ${step.name} failed: ${outcome.error}`;
          stepError = outcome.error;
        }
      }
    }
    if (forced.signal.aborted) return { status: "interrupted", failedStep, error: FORCED_STOP_ERROR, stepError };
    if (interrupt.aborted) {
      const why = interrupt.reason instanceof RunInterruption ? interrupt.reason.message : "interrupted";
      return { status: "interrupted", failedStep, error: failure ?? why, stepError };
    }
    if (cutByTimeout) {
      // The timeout is why the run ended, whatever failed before it: the run's error and its alert lead with it.
      const timeout = (deadline.reason as Error).message;
      const error = stoppedStep === null ? timeout : `${timeout} while step ${stoppedStep} ran`;
      return { status: "failed", failedStep, error, stepError: error, reason: "job_timeout" };
    }
    return { status: failedStep === null ? "succeeded" : "failed", failedStep, error: failure, stepError };
  };
  // Alerts go out before the final event, so the log holds their outcome and still ends with it.
  // An interrupted run is not alerted: someone stopped it on purpose (Ctrl-C, the daemon's SIGTERM).
  const end = async (outcome: StepsOutcome): Promise<RunResult> => {
    const endedAt = now();
    if (outcome.status === "failed") await alerts.failed(outcome.failedStep, outcome.stepError ?? outcome.error ?? "unknown error", endedAt);
    if (outcome.status === "succeeded") await alerts.succeeded(endedAt);
    await alerts.settle();
    return finish(outcome.status, outcome.failedStep, outcome.error, endedAt, outcome.reason);
  };
  // Whatever happens, the log ends with its one final event, and every connection is closed.
  const natural = steps()
    .catch((error: unknown): StepsOutcome => {
      const message = `internal error: ${error instanceof Error ? error.message : String(error)}`;
      return { status: "failed", failedStep: null, error: message, stepError: message };
    })
    .then(end)
    .catch((error: unknown) => finish("failed", null, `internal error: ${error instanceof Error ? error.message : String(error)}`))
    .finally(() => connectors.closeAll());
  let forcedEnd: Promise<RunResult> | undefined;
  let endForced: ((result: RunResult) => void) | undefined;
  const result = Promise.race([natural, new Promise<RunResult>((resolve) => (endForced = resolve))]);

  return {
    runId,
    logPath: writer.path,
    scheduledFor: logicalDate.scheduledFor,
    result,
    forceStop: () => {
      if (forcedEnd) return forcedEnd;
      forced.abort(new Error(FORCED_STOP_ERROR));
      // A step that does not end at once (an in-process function) is not waited for.
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<RunResult>((resolve) => {
        timer = setTimeout(
          () =>
            resolve(
              finish(
                "interrupted",
                alerts.currentStep,
                alerts.currentStep === null ? FORCED_STOP_ERROR : `${FORCED_STOP_ERROR}; step ${alerts.currentStep} had not stopped`,
              ),
            ),
          FORCED_STOP_WAIT_MS,
        );
      });
      forcedEnd = Promise.race([natural, waited]).finally(() => clearTimeout(timer));
      void forcedEnd.then(endForced);
      return forcedEnd;
    },
  };
}
