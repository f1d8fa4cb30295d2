/**
 * Tries work again after a failure, with a wait between tries, and stops when a signal fires: a
 * step's tries (runner/runStep.ts), an alert's delivery (notifications/notifier.ts). Each caller
 * says which failures are worth another try and how long to wait; the loop, the count and the
 * signal are here once.
 */
import { setTimeout as sleepFor } from "node:timers/promises";

export interface RetryOptions {
  /** Tries in all, the first included. */
  tries: number;
  /** Whether a failure may be tried again, tries and signal permitting. @default every failure */
  retryable?: (error: unknown) => boolean;
  /** Milliseconds to wait after failed try `tryNumber` (1-based), which failed with `error`. */
  waitMs: (tryNumber: number, error: unknown) => number;
  /** Told before each try starts (outside the try: what it throws is not a failed try). */
  beforeTry?: (tryNumber: number) => void;
  /** Told of each failed try, with the wait before the next one, or null when none follows. */
  onFailure?: (error: unknown, tryNumber: number, waitMs: number | null) => void;
  /** Once it fires no other try starts, and a wait between tries ends at once. */
  signal?: AbortSignal;
  /** Rejects when `signal` fires before `ms` are up. @default node:timers/promises setTimeout */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export type RetryOutcome<T> =
  | { ok: true; value: T; tries: number }
  /** `interrupted`: the signal fired during a wait, so a try that was due never started. */
  | { ok: false; error: unknown; tries: number; interrupted: boolean };

const NEVER = new AbortController().signal;

/** Calls `work` (with the try's 1-based number) until it succeeds, a failure is not retryable, tries run out or the signal fires. */
export async function withRetries<T>(work: (tryNumber: number) => Promise<T>, options: RetryOptions): Promise<RetryOutcome<T>> {
  const signal = options.signal ?? NEVER;
  const sleep = options.sleep ?? ((ms, onSignal) => sleepFor(ms, undefined, { signal: onSignal }));
  for (let tryNumber = 1; ; tryNumber++) {
    options.beforeTry?.(tryNumber);
    let error: unknown;
    try {
      return { ok: true, value: await work(tryNumber), tries: tryNumber };
    } catch (caught) {
      error = caught;
    }
    const retry = !signal.aborted && (options.retryable?.(error) ?? true) && tryNumber < options.tries;
    const waitMs = retry ? options.waitMs(tryNumber, error) : null;
    options.onFailure?.(error, tryNumber, waitMs);
    if (waitMs === null) return { ok: false, error, tries: tryNumber, interrupted: false };
    try {
      await sleep(waitMs, signal);
    } catch {
      return { ok: false, error, tries: tryNumber, interrupted: true };
    }
  }
}
