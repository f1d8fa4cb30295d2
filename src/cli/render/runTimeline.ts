/**
 * A run's timeline as text, for `nomaflow show`: a header, one line per step (plus its error),
 * the alerts, then the run's error. Also the small formatters `runs` and `show --follow` share.
 */
import type { ChalkInstance } from "chalk";
import type { RunStatus, RunSummary, StepStatus, StepSummary } from "../../run-logs/readRunLog.js";
import type { AlertEvent } from "../../run-logs/runEvents.js";
import { formatDuration } from "../../project/formatDuration.js";
import { formatBytes, formatRows } from "../../project/formatRowsAndBytes.js";
import { formatLocalTime } from "./formatLocalTime.js";
import { wrapText } from "./wrapText.js";

/** The mark before a step: ✓ succeeded, ✗ failed, ↷ skipped, … pending, ▶ running or retrying. */
export const STEP_MARKS: Record<StepStatus, string> = {
  succeeded: "✓",
  failed: "✗",
  skipped: "↷",
  pending: "…",
  running: "▶",
  retrying: "▶",
};

/** A status word in its colour (no colour when the output has none). */
export function styleStatus(style: ChalkInstance, status: RunStatus | StepStatus, text: string = status): string {
  switch (status) {
    case "succeeded":
      return style.green(text);
    case "failed":
      return style.red(text);
    case "interrupted":
    case "abandoned":
    case "retrying":
      return style.yellow(text);
    case "running":
      return style.cyan(text);
    default:
      return style.dim(text);
  }
}

const MAX_STRING = 60;
const MAX_JSON = 160;

function truncateStrings(value: unknown): unknown {
  if (typeof value === "string") return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING - 1)}…` : value;
  if (Array.isArray(value)) return value.map(truncateStrings);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, truncateStrings(item)]));
  }
  return value;
}

/** Compact JSON for one line: long strings and the whole text cut short with `…`. */
export function formatCompactJson(value: unknown): string {
  const text = JSON.stringify(truncateStrings(value)) ?? "null";
  return text.length > MAX_JSON ? `${text.slice(0, MAX_JSON - 1)}…` : text;
}

/** `threshold_percent=50, label=nightly`, or `none`. */
export function formatParams(params: Record<string, unknown>): string {
  const entries = Object.entries(params);
  if (entries.length === 0) return "none";
  return entries.map(([name, value]) => `${name}=${typeof value === "string" ? value : formatCompactJson(value)}`).join(", ");
}

/**
 * `schedule, for 2026-11-29T02:00:00+01:00`, `resume of RUN, for …`, `chain after load RUN (succeeded), for …`,
 * or `manual` (an old log without its logical date).
 */
export function formatTrigger(summary: Pick<RunSummary, "trigger" | "scheduled_for" | "recovery_of" | "resume_of" | "after_runs">): string {
  const of = summary.recovery_of ?? summary.resume_of;
  const after = summary.after_runs?.map((run) => `${run.job_id} ${run.run_id} (${run.status})`).join(", ");
  const trigger = of ? `${summary.trigger ?? "recovery"} of ${of}` : after ? `${summary.trigger ?? "chain"} after ${after}` : (summary.trigger ?? "unknown");
  return summary.scheduled_for ? `${trigger}, for ${summary.scheduled_for}` : trigger;
}

/** A later run that resumed this one, and how it ended. */
export interface ResumedBy {
  runId: string;
  status: RunStatus;
}

/** How long the run took, or has taken so far. */
export function runDuration(summary: RunSummary, now: number): string {
  if (summary.duration_ms !== null) return formatDuration(summary.duration_ms);
  if (summary.status === "running" && summary.started_at) return `${formatDuration(now - Date.parse(summary.started_at))} so far`;
  return "—";
}

function stepDetails(step: StepSummary, now: number): string[] {
  const details: string[] = [];
  switch (step.status) {
    case "pending":
      return ["pending"];
    case "skipped":
      return [`skipped${step.skip_reason ? `: ${step.skip_reason}` : ""}`];
    case "succeeded":
      if (step.reused_from !== undefined) return [`reused from run ${step.reused_from}`];
      details.push(step.duration_ms === null ? "—" : formatDuration(step.duration_ms));
      break;
    case "running":
      details.push(step.started_at ? `running for ${formatDuration(now - Date.parse(step.started_at))}` : "running");
      break;
    case "retrying":
      details.push(`retrying after attempt ${step.attempts} failed`);
      break;
    default:
      details.push(step.duration_ms === null ? "—" : formatDuration(step.duration_ms));
  }
  if (step.attempts > 1) details.push(attemptTimes(step));
  if (step.rows !== null) details.push(formatRows(step.rows));
  if (step.bytes !== null) details.push(formatBytes(step.bytes));
  return details;
}

/** `3 attempts: 1.0 s, 1.1 s, 5 ms`: each try's own time; a try not finished is `…`. */
function attemptTimes(step: StepSummary): string {
  const times = Array.from({ length: step.attempts }, (_, index) => {
    const ms = step.attempt_durations_ms[index];
    return ms === undefined ? "…" : formatDuration(ms);
  });
  return `${step.attempts} attempts: ${times.join(", ")}`;
}

const OUTPUT_LABEL = "      output: ";

/** A step's whole output as JSON, folded to `width` columns under its label. */
function outputLines(output: StepSummary["output"], width: number): string[] {
  if (output === null || Object.keys(output).length === 0) return [];
  const indent = " ".repeat(OUTPUT_LABEL.length);
  return wrapText(JSON.stringify(output), Math.max(20, width - indent.length)).map((piece, index) => (index === 0 ? OUTPUT_LABEL : indent) + piece);
}

/** Every line after the first of a multi-line text, indented to sit under the first. */
export function indentLines(text: string, indent: string): string {
  return text.split("\n").join(`\n${indent}`);
}

/**
 * The timeline of a run, one string per line. `now` dates what is still running; step outputs
 * are folded to `width` columns.
 */
export function formatRunTimeline(
  summary: RunSummary,
  style: ChalkInstance,
  now: number = Date.now(),
  width = 100,
  resumedBy: readonly ResumedBy[] = [],
): string[] {
  const lines = [
    `${style.bold(`run ${summary.run_id}`)}  ${summary.job_id}  ${styleStatus(style, summary.status)}${summary.failed_step ? ` at step ${summary.failed_step}` : ""}`,
    `  trigger   ${formatTrigger(summary)}`,
    ...(summary.interval_start !== undefined && summary.interval_start !== summary.scheduled_for
      ? [`  interval  ${summary.interval_start} → ${summary.interval_end ?? summary.scheduled_for}`]
      : []),
    ...resumedBy.map((run) => `  resumed   by ${run.runId} (${styleStatus(style, run.status)})`),
    `  started   ${summary.started_at ? formatLocalTime(summary.started_at) : "—"}`,
    `  duration  ${runDuration(summary, now)}`,
    `  host      ${summary.host ?? "—"}${summary.pid === null ? "" : `, pid ${summary.pid}`}${summary.version ? `, nomaflow ${summary.version}` : ""}`,
    `  params    ${formatParams(summary.params)}`,
    "",
  ];
  const nameWidth = Math.max(0, ...summary.steps.map((step) => step.name.length));
  const typeWidth = Math.max(0, ...summary.steps.map((step) => (step.type ?? "").length));
  const details = summary.steps.map((step) => stepDetails(step, now));
  // The first detail (duration or state) is a column only when more details follow it.
  const firstWidth = Math.max(0, ...details.filter((parts) => parts.length > 1).map((parts) => parts[0]!.length));
  summary.steps.forEach((step, index) => {
    const mark = styleStatus(style, step.status, STEP_MARKS[step.status]);
    const head = `  ${mark} ${step.name.padEnd(nameWidth)}  ${(step.type ?? "").padEnd(typeWidth)}`;
    const [first = "", ...rest] = details[index]!;
    const text = [rest.length > 0 ? first.padEnd(firstWidth) : first, ...rest].join("  ");
    const quiet = step.status === "pending" || step.status === "skipped";
    lines.push(`${head}  ${quiet ? style.dim(text) : text}`.trimEnd());
    lines.push(...outputLines(step.output, width));
    if (step.error !== null && (step.status === "failed" || step.status === "retrying")) {
      const label = step.status === "retrying" ? "last error: " : "error: ";
      lines.push(`      ${style.red(label + indentLines(step.error, "      "))}`);
    }
  });
  if (summary.steps.length === 0) lines.push(style.dim("  (no steps recorded)"));
  if (summary.alerts.length > 0) lines.push("", ...summary.alerts.map((alert) => alertLine(alert, style)));
  if (summary.status === "abandoned") {
    lines.push("", styleStatus(style, "abandoned", `abandoned: ${summary.error ?? "the log has no final event"}`));
  } else if (summary.error !== null) {
    lines.push("", style.red(`error: ${indentLines(summary.error, "  ")}`));
  }
  return lines;
}

const ALERT_NAMES: Record<AlertEvent["kind"], string> = {
  on_failure: "failure alert",
  on_success: "success message",
  on_long_run: "long-run alert",
  notify: "notification",
  abandoned: "abandoned-run alert",
};

/** `  ✉ failure alert sent to oncall (slack)`, `  ✉ notification from sanity to hook (webhook) failed after 3 tries: …`. */
export function alertLine(event: AlertEvent, style: ChalkInstance): string {
  const what = `${ALERT_NAMES[event.kind] ?? `alert ${event.kind}`}${event.kind === "notify" && event.step ? ` from ${event.step}` : ""}`;
  const channel = `${event.channel}${event.channel_type ? ` (${event.channel_type})` : ""}`;
  if (event.event === "alert_sent") return `  ${style.dim("✉")} ${what} sent to ${channel}`;
  const tries = event.attempts !== undefined && event.attempts > 1 ? ` after ${event.attempts} tries` : "";
  return `  ${style.yellow("✉")} ${what} to ${channel} failed${tries}: ${style.red(event.error ?? "unknown error")}`;
}
