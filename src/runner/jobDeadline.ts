/**
 * A job's `timeout:`: one timer for the whole run. When it passes, its signal fires with a
 * JobTimeoutError, which `runStep` hands to the running step's AbortController exactly as the
 * step's own timeout does (so the query is cancelled, the process group killed), and the runner
 * skips every step left but the `run_if: always` ones.
 */
import { StepError } from "../errors/nomaflowError.js";
import { formatDuration } from "../project/formatDuration.js";

/** Raised into the running step's signal when the job's time is up. Never tried again. */
export class JobTimeoutError extends StepError {
  constructor(readonly timeoutMs: number) {
    super(`the job timed out after ${formatDuration(timeoutMs)}`, { retryable: false });
  }
}

/** The longest delay a Node timer takes; a longer one would fire at once. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export interface JobDeadline {
  /** Fires when the job's timeout passes; never, for a job without one. */
  readonly signal: AbortSignal;
  /** Stops the timer (the steps have ended). */
  clear(): void;
}

/** Starts the clock of a run's `timeout` (`timeoutMs` undefined: no limit). */
export function startJobDeadline(timeoutMs: number | undefined): JobDeadline {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // A timeout of weeks is waited for in steps a timer can take.
  const arm = (leftMs: number) => {
    timer = setTimeout(
      () => {
        if (leftMs > LONGEST_TIMER_MS) arm(leftMs - LONGEST_TIMER_MS);
        else controller.abort(new JobTimeoutError(timeoutMs!));
      },
      Math.min(leftMs, LONGEST_TIMER_MS),
    );
  };
  if (timeoutMs !== undefined) arm(timeoutMs);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
