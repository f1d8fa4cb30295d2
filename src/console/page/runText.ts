/**
 * What the run page says of a run's origin and end, beyond its steps: its logical date (the fire
 * time it is for, and the interval of data it covers, in the job's zone), the run its trigger
 * refers to (the run a resume resumes, the abandoned run a recovery reruns), and why it ended
 * when its steps alone do not tell. Pure.
 */
import type { RunDetail } from "../consoleApi.js";
import { formatSpan } from "./format.js";

const ZONED = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A time written in its job's zone, not converted: `2026-12-06 02:00 +01:00` (seconds when some, `+00:00` for `Z`). */
export function formatZoned(iso: string): string {
  const parts = ZONED.exec(iso);
  if (!parts) return iso;
  const [, day, clock, seconds, offset] = parts;
  return `${day} ${clock}${seconds && seconds !== "00" ? `:${seconds}` : ""} ${offset === "Z" ? "+00:00" : offset}`;
}

/**
 * The interval the run covers, `2026-12-05 02:00 +01:00 → 2026-12-06 02:00 +01:00 (1 d 00 h)`, or
 * null when the log has none or it is the instant of `scheduledFor` alone (a job without a schedule).
 */
export function intervalText(run: Pick<RunDetail, "intervalStart" | "intervalEnd" | "scheduledFor">): string | null {
  const start = run.intervalStart;
  const end = run.intervalEnd ?? run.scheduledFor;
  if (start === undefined || end === null || start === end) return null;
  const span = Date.parse(end) - Date.parse(start);
  return `${formatZoned(start)} → ${formatZoned(end)}${Number.isFinite(span) && span > 0 ? ` (${formatSpan(span)})` : ""}`;
}

/** The run a trigger refers to: `resume of RUN`, `recovery of RUN`; null for the others. */
export function triggerOrigin(run: Pick<RunDetail, "trigger" | "resumeOf" | "recoveryOf">): { words: string; runId: string } | null {
  if (run.resumeOf) return { words: "resume of", runId: run.resumeOf };
  if (run.recoveryOf) return { words: "recovery of", runId: run.recoveryOf };
  return null;
}

/** Why the run ended when its steps alone do not tell it, as a short label; null otherwise. */
export function endReasonText(run: Pick<RunDetail, "endReason">): string | null {
  switch (run.endReason) {
    case "job_timeout":
      return "job timeout: the job's timeout passed";
    case "lease_lost":
      return "lease lost: its daemon lost the state store";
    default:
      return null;
  }
}
