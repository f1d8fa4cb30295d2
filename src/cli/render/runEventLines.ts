/**
 * One line per run event, for `nomaflow show --follow`: plain appended text (no redrawing), so it
 * reads the same in a terminal, a CI log or a file.
 */
import type { ChalkInstance } from "chalk";
import { stepDurationMs } from "../../run-logs/readRunLog.js";
import type { RunEvent } from "../../run-logs/runEvents.js";
import { formatDuration } from "../../project/formatDuration.js";
import { formatBytes, formatRows } from "../../project/formatRowsAndBytes.js";
import { formatLocalClock } from "./formatLocalTime.js";
import { alertLine, formatCompactJson, formatParams, formatTrigger, indentLines } from "./runTimeline.js";

/** What earlier events said that a later line needs; one per followed run. */
export class RunEventLines {
  private readonly lastAttemptError = new Map<string, string>();
  /** The ts of each step's first try, for the whole time of a retried step. */
  private readonly firstStarted = new Map<string, string>();

  constructor(private readonly style: ChalkInstance) {}

  /** The line for `event` (several lines only for a multi-line message), local time first. */
  format(event: RunEvent): string {
    const time = formatLocalClock(event.ts);
    const prefix = `${this.style.dim(time)}  `;
    return prefix + indentLines(this.describe(event), " ".repeat(time.length + 4));
  }

  private describe(event: RunEvent): string {
    const { style } = this;
    switch (event.event) {
      case "run_started":
        return `${style.cyan("▶")} run ${event.run_id} of ${event.job_id} started: ${formatTrigger(event)}, ${event.host} pid ${event.pid}, params ${formatParams(event.params)}`;
      case "step_started": {
        if (!this.firstStarted.has(event.step)) this.firstStarted.set(event.step, event.ts);
        const attempt = event.attempt > 1 ? ` attempt ${event.attempt} of ${event.attempts}` : "";
        return `${style.cyan("▶")} ${event.step}${attempt} started (${event.type})`;
      }
      case "log": {
        const level = event.level === "error" ? style.red(event.level) : event.level === "warning" ? style.yellow(event.level) : style.dim(event.level);
        return `  ${event.step ?? "run"} ${level}: ${event.message}`;
      }
      case "step_progress": {
        const parts = [event.rows === undefined ? undefined : formatRows(event.rows), event.bytes === undefined ? undefined : formatBytes(event.bytes)];
        return `  ${event.step}: ${parts.filter((part) => part !== undefined).join(", ") || "progress"}`;
      }
      case "step_attempt_failed": {
        this.lastAttemptError.set(event.step, event.error);
        const next = event.retry_in_seconds === null ? "no retry" : `retry in ${formatDuration(event.retry_in_seconds * 1000)}`;
        return `${style.yellow("✗")} ${event.step} attempt ${event.attempt} failed after ${formatDuration(event.duration_ms)} (${next}): ${style.red(event.error)}`;
      }
      case "step_succeeded": {
        const attempt = event.attempt > 1 ? ` on attempt ${event.attempt}` : "";
        const whole = event.attempt > 1 ? ` (${formatDuration(stepDurationMs(event, this.firstStarted.get(event.step)))} in all)` : "";
        const output = event.output && Object.keys(event.output).length > 0 ? `  ${formatCompactJson(event.output)}` : "";
        return `${style.green("✓")} ${event.step} succeeded${attempt} in ${formatDuration(event.duration_ms)}${whole}${output}`;
      }
      case "step_failed": {
        const attempts = event.attempt > 1 ? ` after ${event.attempt} attempts` : "";
        // The last attempt's line already showed the same error.
        const error = this.lastAttemptError.get(event.step) === event.error ? "" : `: ${style.red(event.error)}`;
        return `${style.red("✗")} ${event.step} failed${attempts} in ${formatDuration(event.duration_ms)}${error}`;
      }
      case "step_skipped":
        return `${style.dim("↷")} ${event.step} skipped: ${event.reason}`;
      case "step_reused": {
        const output = event.output && Object.keys(event.output).length > 0 ? `  ${formatCompactJson(event.output)}` : "";
        return `${style.green("✓")} ${event.step} reused from run ${event.from_run}${output}`;
      }
      case "alert_sent":
      case "alert_failed":
        return alertLine(event, style);
      case "run_succeeded":
        return `${style.green("✓")} run succeeded in ${formatDuration(event.duration_ms)}`;
      case "run_failed":
      case "run_interrupted": {
        const word = event.event === "run_failed" ? "failed" : "interrupted";
        const where = event.failed_step ? ` at step ${event.failed_step}` : "";
        const error = event.error ? `: ${event.error}` : "";
        const mark = event.event === "run_failed" ? style.red("✗") : style.yellow("✗");
        return `${mark} run ${word}${where} after ${formatDuration(event.duration_ms)}${error}`;
      }
      default:
        // An event a newer runner writes: shown, not dropped.
        return `  ${(event as { event: string }).event}`;
    }
  }
}
