/**
 * What a step's state reads as on the run page, including the two texts that change every second:
 * the time a running step has taken so far and the countdown to a retry. Pure: now is passed in.
 */
import type { StepView } from "../consoleApi.js";
import { formatDuration, formatSpan } from "./format.js";

/** `next try in 42 s`, `next try starting` once the time has come, `waiting to retry` without a time. */
export function retryCountdown(retryAt: string | null, nowMs: number): string {
  const at = retryAt === null ? Number.NaN : Date.parse(retryAt);
  if (!Number.isFinite(at)) return "waiting to retry";
  const remaining = at - nowMs;
  if (remaining <= 0) return "next try starting";
  // Rounded up: the last second reads "in 1 s", never "in 0 s".
  return `next try in ${formatSpan(Math.ceil(remaining / 1000) * 1000)}`;
}

/** `12.3 s so far` for something running since `startedAt`. */
export function elapsedSoFar(startedAt: string, nowMs: number): string {
  const since = Date.parse(startedAt);
  return Number.isFinite(since) ? `${formatDuration(Math.max(0, nowMs - since))} so far` : "running";
}

/** A step's duration: its own when ended, the time so far while it runs, `—` before. */
export function stepDurationText(step: Pick<StepView, "status" | "durationMs" | "startedAt">, nowMs: number): string {
  if (step.durationMs !== null) return formatDuration(step.durationMs);
  if ((step.status === "running" || step.status === "retrying") && step.startedAt !== null) return elapsedSoFar(step.startedAt, nowMs);
  return "—";
}

/** `attempt 2 of 3`, or `1 attempt` / `2 attempts` once the step ended (or `—` before its first). */
export function attemptsText(step: Pick<StepView, "status" | "attempt" | "attempts">): string {
  if (step.status === "pending" || step.status === "skipped" || step.attempt === 0) return "—";
  if (step.status === "running" || step.status === "retrying") return `attempt ${step.attempt} of ${step.attempts}`;
  return `${step.attempt} ${step.attempt === 1 ? "attempt" : "attempts"}`;
}

/** The state column: `retry wait` rather than the bare status word, which the badge already shows. */
export function stepStateText(step: Pick<StepView, "status">): string {
  return step.status === "retrying" ? "retry wait" : step.status;
}
