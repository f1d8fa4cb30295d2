/**
 * The run page's steps: one row per step in order (type, state, attempts, a duration bar on the
 * run's shared time axis, duration, rows and bytes), its error and hint, its log lines and output.
 * The texts that change with time (time so far, retry countdown, bars) are redrawn every second by
 * `updateClocks` without rebuilding the rows.
 */
import type { LogLine, RunDetail, StepView } from "../../consoleApi.js";
import { fill, h, on } from "../dom.js";
import { formatBytes, formatClockMs, formatRows } from "../format.js";
import { attemptsText, elapsedSoFar, retryCountdown, stepDurationText, stepStateText } from "../stepText.js";
import { axisTicks, barOnAxis, runAxis } from "../timeAxis.js";
import { runHref } from "../routes.js";
import { statusBadge } from "../widgets.js";

/** What the visitor chose, kept across live updates: which sections they opened or closed. */
export interface StepsViewState {
  open: Map<string, boolean>;
}

const LEVELS: LogLine["level"][] = ["debug", "info", "warning", "error"];

/** Log lines, oldest first, each with its time and level (the level filter hides some by CSS). */
export function logLines(logs: LogLine[], omitted: number, attributes: Record<string, string>): HTMLElement {
  return h(
    "div",
    { class: "logs", tabindex: 0, ...attributes },
    omitted > 0 ? h("div", { class: "logs-omitted" }, `${omitted.toLocaleString("en-US")} earlier lines not shown (nomaflow show has them all)`) : null,
    logs.map((line) =>
      h(
        "div",
        { class: `log-line level-${line.level}`, "data-log-level": line.level },
        h("time", { datetime: line.ts }, formatClockMs(new Date(line.ts))),
        h("span", { class: "level" }, line.level),
        h("span", { class: "message" }, line.message),
      ),
    ),
  );
}

function logSummary(step: StepView): string {
  const count = step.logs.length + step.logsOmitted;
  const warnings = step.logs.filter((line) => line.level === "warning").length;
  const errors = step.logs.filter((line) => line.level === "error").length;
  const extra = [
    errors > 0 ? `${errors} ${errors === 1 ? "error" : "errors"}` : "",
    warnings > 0 ? `${warnings} ${warnings === 1 ? "warning" : "warnings"}` : "",
  ].filter(Boolean);
  return `Log: ${count} ${count === 1 ? "line" : "lines"}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}`;
}

function hasOutput(output: unknown): boolean {
  if (output === null || output === undefined) return false;
  return typeof output !== "object" || Object.keys(output).length > 0;
}

/**
 * A folding section, open by default while its step runs or after it failed. Only the visitor's own
 * choice (a click on its summary, the keyboard's too) is kept across updates: a log left to its
 * default folds when its step succeeds.
 */
function section(state: StepsViewState, key: string, openByDefault: boolean, summary: string, body: HTMLElement): HTMLElement {
  const heading = h("summary", null, summary);
  const details = h("details", { class: "step-section", open: state.open.get(key) ?? openByDefault }, heading, body);
  on(heading, "click", () => state.open.set(key, !details.open));
  return details;
}

function rowsAndBytes(step: StepView): HTMLElement {
  if (step.rows === null && step.bytes === null) return h("span", { class: "step-rows-cell" });
  const text = [step.rows !== null ? formatRows(step.rows) : "", step.bytes !== null ? formatBytes(step.bytes) : ""].filter(Boolean).join(" · ");
  return h("span", { class: "step-rows-cell" }, h("span", { "data-step-rows": step.rows ?? "" }, text));
}

/** A step's error and hint; for a skipped step, why it was skipped, which is no failure of its own. */
function problemOf(step: StepView): HTMLElement {
  const skipped = step.status === "skipped";
  return h(
    "div",
    { class: skipped ? "step-skip-reason" : "step-problem" },
    h("div", { class: skipped ? "" : "step-error", "data-step-error": "" }, skipped ? `skipped: ${step.error}` : step.error),
    step.hint ? h("div", { class: "hint", "data-step-hint": "" }, step.hint) : null,
  );
}

export function stepRow(step: StepView, index: number, state: StepsViewState, now: number): HTMLElement {
  const busy = step.status === "running" || step.status === "retrying";
  const bar = h("div", {
    class: `duration-bar status-${step.status}`,
    "data-duration-bar": step.name,
    "data-start": step.startedAt ?? "",
    "data-end": step.endedAt ?? "",
  });
  const duration = h("span", { class: "step-duration" }, stepDurationText(step, now));
  if (busy && step.durationMs === null && step.startedAt !== null) duration.dataset.elapsedFrom = step.startedAt;
  const countdown =
    step.status === "retrying"
      ? h("span", { class: "countdown", "data-retry-countdown": "", "data-retry-at": step.retryAt ?? "" }, retryCountdown(step.retryAt, now))
      : null;
  return h(
    "div",
    { class: "step", "data-step": step.name, "data-status": step.status },
    h(
      "div",
      { class: "step-grid" },
      h("span", { class: "step-index" }, String(index + 1)),
      h("span", { class: "step-title" }, h("span", { class: "step-name" }, step.name), h("span", { class: "step-type" }, step.type)),
      h(
        "span",
        { class: "step-state" },
        statusBadge(step.status),
        countdown ? [h("span", { class: "muted" }, ` ${stepStateText(step)}: `), countdown] : null,
        step.reusedFrom
          ? h(
              "span",
              { class: "reused", "data-step-reused-from": step.reusedFrom },
              "reused from ",
              h("a", { href: runHref(step.reusedFrom), class: "mono" }, step.reusedFrom),
            )
          : null,
      ),
      h("span", { class: "step-attempts" }, attemptsText(step)),
      h("div", { class: "bar-track" }, bar),
      duration,
      rowsAndBytes(step),
    ),
    step.error ? problemOf(step) : null,
    step.logs.length + step.logsOmitted > 0
      ? section(
          state,
          `${step.name}/logs`,
          busy || step.status === "failed",
          logSummary(step),
          logLines(step.logs, step.logsOmitted, { "data-step-logs": step.name }),
        )
      : null,
    hasOutput(step.output)
      ? section(state, `${step.name}/output`, false, "Output", h("pre", { class: "output", "data-step-output": "" }, JSON.stringify(step.output, null, 2)))
      : null,
  );
}

/** The level filter's choices: a line shows when its level is at or above the one chosen. */
export function levelFilter(initial: LogLine["level"], onChange: (level: LogLine["level"]) => void): HTMLSelectElement {
  const labels: Record<LogLine["level"], string> = { debug: "all lines", info: "info and above", warning: "warnings and errors", error: "errors only" };
  const select = h(
    "select",
    { "data-filter": "level", "aria-label": "Log level" },
    LEVELS.map((level) => h("option", { value: level, selected: level === initial }, labels[level])),
  );
  on(select, "change", () => onChange(select.value as LogLine["level"]));
  return select;
}

/** The axis's heading row: offsets from the run's start above the bars' column. */
export function axisRow(): HTMLElement {
  return h(
    "div",
    { class: "step-grid axis-row" },
    h("span", null, "#"),
    h("span", null, "Step"),
    h("span", null, "State"),
    h("span", null, "Attempts"),
    h("div", { class: "axis", "data-axis": "" }),
    h("span", null, "Duration"),
    h("span", null, "Rows · bytes"),
  );
}

/** Redraws what moves with time: bars on the axis (which grows while the run goes), the axis's ticks, times so far, countdowns. */
export function updateClocks(root: HTMLElement, run: RunDetail, now: number): void {
  const axis = runAxis(run, now);
  const axisElement = root.querySelector<HTMLElement>("[data-axis]");
  if (axisElement) {
    fill(
      axisElement,
      axisTicks(axis).map((tick) => {
        // A label near the end is drawn left of its mark, not over the next column.
        const mark = h("span", { class: tick.percent > 90 ? "tick tick-end" : "tick" }, tick.label);
        mark.style.left = `${tick.percent}%`;
        return mark;
      }),
    );
  }
  for (const bar of root.querySelectorAll<HTMLElement>("[data-duration-bar]")) {
    const geometry = barOnAxis(axis, { startedAt: bar.dataset.start || null, endedAt: bar.dataset.end || null }, now);
    bar.hidden = geometry === null;
    if (geometry === null) continue;
    bar.style.left = `${geometry.leftPercent}%`;
    bar.style.width = `${geometry.widthPercent}%`;
    bar.classList.toggle("open", geometry.open && run.status === "running");
  }
  for (const element of root.querySelectorAll<HTMLElement>("[data-elapsed-from]")) element.textContent = elapsedSoFar(element.dataset.elapsedFrom ?? "", now);
  for (const element of root.querySelectorAll<HTMLElement>("[data-retry-countdown]"))
    element.textContent = retryCountdown(element.dataset.retryAt || null, now);
}
