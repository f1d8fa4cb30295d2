/**
 * One step, all its tries: fields resolved, the type's run function called with an AbortSignal
 * that fires on timeout or interrupt, failures retried by the step's policy. A step that finishes
 * after its signal fired is judged by its own outcome; one that ignores its signal is failed after
 * a grace period (and not tried again), and the run goes on.
 */
import type { ConnectorSet } from "../connectors/connectorSet.js";
import { StepError } from "../errors/nomaflowError.js";
import type { StepDefinition } from "../project/job.js";
import type { RunEvent, UnstampedRunEvent } from "../run-logs/runEvents.js";
import type { StepOutput, StepRunContext, StepType } from "../step-types/stepType.js";
import { formatDuration } from "../project/formatDuration.js";
import { withRetries } from "../errors/withRetries.js";
import { resolveStepFields, type ResolveScope } from "./resolveStepFields.js";
import { retryDelaySeconds } from "./retryDelay.js";
import type { SecretMasker } from "../secrets/secretMasker.js";

export interface StepRunEnvironment {
  type: StepType;
  connectors: ConnectorSet;
  scope: ResolveScope;
  projectRoot: string;
  masker: SecretMasker;
  emit: (event: UnstampedRunEvent) => RunEvent;
  /** Fires when the run is interrupted. */
  interrupt: AbortSignal;
  /**
   * Fires when the job's `timeout` passes: the try is stopped as at the step's own timeout, with
   * the signal's JobTimeoutError, and no other try starts. Absent for a step that runs after the
   * job timed out (`run_if: always`), which has its own timeout only.
   */
  deadline?: AbortSignal;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
  /** How long a step may take to stop after its signal fires. */
  graceMs: number;
  /** A plugin's `notify`: through the project's channels, on behalf of `step`. */
  notify: (step: string, text: string, recipients: readonly string[] | undefined) => Promise<void>;
}

export type StepResult = { status: "succeeded"; output: StepOutput } | { status: "failed"; error: string; interrupted: boolean };

/** Raised into the step's signal when its time is up. */
export class StepTimeoutError extends StepError {
  constructor(timeoutMs: number) {
    super(`timed out after ${formatDuration(timeoutMs)}`, { retryable: true });
  }
}

class InterruptedError extends StepError {
  constructor() {
    super("interrupted", { retryable: false });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `{ hint }` when the error carries one (a StepError's "add key: …"), for the run log to keep. */
function hintOf(error: unknown): { hint?: string } {
  const hint = error instanceof StepError ? error.hint : undefined;
  return hint ? { hint } : {};
}

/** Settles with the step's outcome, or with a failure when it ignores its aborted signal for `graceMs`. */
async function attempt(
  run: Promise<StepOutput | void>,
  signal: AbortSignal,
  graceMs: number,
): Promise<{ ok: true; output: StepOutput } | { ok: false; error: unknown }> {
  const settled = run.then(
    (output) => ({ ok: true as const, output: output ?? {} }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  let graceTimer: NodeJS.Timeout | undefined;
  const abandoned = new Promise<{ ok: false; error: unknown }>((resolve) => {
    const startGrace = () => {
      graceTimer = setTimeout(() => {
        const reason = messageOf(signal.reason);
        // Not tried again: the step may still be running, and its work may yet land (a COMMIT in
        // flight); a second try could do it twice.
        resolve({
          ok: false,
          error: new StepError(`${reason}, and the step did not stop within ${formatDuration(graceMs)}: given up on, not tried again`, { retryable: false }),
        });
      }, graceMs);
      graceTimer.unref();
    };
    if (signal.aborted) startGrace();
    else signal.addEventListener("abort", startGrace, { once: true });
  });
  try {
    const outcome = await Promise.race([
      settled.then((result) => ({ ...result, fromStep: true })),
      abandoned.then((result) => ({ ...result, fromStep: false })),
    ]);
    // The step's own outcome decides, also when it comes after the signal: a step that returns
    // has done its work (a COMMIT sent before the signal is not cancelled, and its rows are in),
    // so failing it, and trying it again, would do the work twice. A failure then is for the
    // signal's reason (`timed out after …`), whatever the step threw on its way out.
    if (outcome.fromStep && !outcome.ok && signal.aborted && signal.reason instanceof StepError) return { ok: false, error: signal.reason };
    return outcome.ok ? { ok: true, output: outcome.output } : { ok: false, error: outcome.error };
  } finally {
    clearTimeout(graceTimer);
  }
}

/** The policy's wait, or longer when the other side asked for longer (Retry-After), within max_seconds. */
function retryWait(policy: number, asked: number | undefined, maxSeconds: number | undefined): number {
  if (asked === undefined || asked <= policy) return policy;
  return maxSeconds === undefined ? asked : Math.max(policy, Math.min(asked, maxSeconds));
}

export async function runStep(step: StepDefinition, environment: StepRunEnvironment): Promise<StepResult> {
  const { emit, interrupt, now, masker } = environment;
  const deadline = environment.deadline;
  const attempts = step.retry.attempts;
  const firstStart = now();
  // Of the latest try, for its events.
  let duration = 0;
  let waitSeconds = 0;
  const outcome = await withRetries(
    async (number) => {
      const started = now();
      const controller = new AbortController();
      const onInterrupt = () => controller.abort(new InterruptedError());
      if (interrupt.aborted) onInterrupt();
      else interrupt.addEventListener("abort", onInterrupt, { once: true });
      // The job's time is up: the same cancel as the step's own timeout, with the job's reason.
      const onDeadline = () => controller.abort(deadline!.reason);
      if (deadline?.aborted) onDeadline();
      else deadline?.addEventListener("abort", onDeadline, { once: true });
      const timer = step.timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(new StepTimeoutError(step.timeoutMs!)), step.timeoutMs);

      let outcome: { ok: true; output: StepOutput } | { ok: false; error: unknown };
      try {
        const { fields, secrets } = resolveStepFields(step.fields, environment.type.fields, environment.scope);
        for (const secret of secrets) masker.add(secret);
        const context: StepRunContext = {
          jobId: environment.scope.jobId,
          runId: environment.scope.runId,
          stepName: step.name,
          attempt: number,
          projectRoot: environment.projectRoot,
          env: environment.scope.env,
          log: (level, message) => void emit({ event: "log", step: step.name, level, message }),
          progress: (update) => void emit({ event: "step_progress", step: step.name, ...update }),
          mask: (text) => masker.mask(text),
          connector: (name) => environment.connectors.get(name),
          applicationName: `nomaflow:${environment.scope.jobId}:${step.name}`,
          graceMs: environment.graceMs,
          params: environment.scope.params,
          notify: (text, recipients) => environment.notify(step.name, text, recipients),
        };
        outcome = await attempt(
          Promise.resolve().then(() => environment.type.run(fields as never, context, controller.signal)),
          controller.signal,
          environment.graceMs,
        );
      } catch (error) {
        outcome = { ok: false, error };
      } finally {
        clearTimeout(timer);
        interrupt.removeEventListener("abort", onInterrupt);
        deadline?.removeEventListener("abort", onDeadline);
      }
      duration = now() - started;
      if (!outcome.ok) throw outcome.error;
      return outcome.output;
    },
    {
      tries: attempts,
      beforeTry: (number) => void emit({ event: "step_started", step: step.name, type: step.type, attempt: number, attempts }),
      retryable: (error) => (error instanceof StepError ? error.retryable : true),
      waitMs: (number, error) => {
        const asked = error instanceof StepError ? error.retryAfterSeconds : undefined;
        waitSeconds = retryWait(retryDelaySeconds(step.retry, number, environment.random), asked, step.retry.maxSeconds);
        return waitSeconds * 1000;
      },
      onFailure: (error, number, waitMs) => {
        emit({
          event: "step_attempt_failed",
          step: step.name,
          attempt: number,
          error: messageOf(error),
          ...hintOf(error),
          retry_in_seconds: waitMs === null ? null : waitSeconds,
          duration_ms: duration,
        });
      },
      // The job's timeout also ends a wait between tries.
      signal: deadline ? AbortSignal.any([interrupt, deadline]) : interrupt,
      sleep: environment.sleep,
    },
  );
  if (outcome.ok) {
    const output = JSON.parse(JSON.stringify(outcome.value)) as StepOutput;
    emit({ event: "step_succeeded", step: step.name, attempt: outcome.tries, duration_ms: duration, output });
    return { status: "succeeded", output };
  }
  const lastError = messageOf(outcome.error);
  if (outcome.interrupted) {
    const timedOut = !interrupt.aborted && deadline?.aborted === true;
    const error = `${lastError}; ${timedOut ? messageOf(deadline.reason) : "interrupted"} before the next try`;
    emit({ event: "step_failed", step: step.name, attempt: outcome.tries, duration_ms: now() - firstStart, error });
    return { status: "failed", error: timedOut ? error : lastError, interrupted: !timedOut };
  }
  emit({ event: "step_failed", step: step.name, attempt: outcome.tries, duration_ms: now() - firstStart, error: lastError, ...hintOf(outcome.error) });
  return { status: "failed", error: lastError, interrupted: interrupt.aborted };
}
