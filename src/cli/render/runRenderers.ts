/**
 * How `nomaflow run` shows a run: a live timeline on a terminal, plain lines elsewhere (CI logs,
 * journald), NDJSON events with --json. All three read the same masked events.
 */
import type { ChalkInstance } from "chalk";
import type { RunResult } from "../../runner/startRun.js";
import type { RunEvent } from "../../run-logs/runEvents.js";
import { formatDuration } from "../../project/formatDuration.js";
import type { Output } from "../output.js";
import { RunEventLines } from "./runEventLines.js";
import { alertLine } from "./runTimeline.js";
import { StepStates, type StepState } from "../../run-logs/stepStates.js";

export interface RunRenderer {
  onEvent(event: RunEvent): void;
  /** After the final event: the closing summary. */
  finish(result: RunResult): void;
  /** A message from the command (interrupt notices). */
  notice(text: string): void;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const count = (value: number) => value.toLocaleString("en-US");

function firstLine(text: string): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}

/** Where to look next: the run id, its log file and the command that shows it. */
function pointer(result: RunResult, style: ChalkInstance): string {
  return style.dim(`  run ${result.runId} · log ${result.logPath} · nomaflow show ${result.runId}`);
}

function summary(result: RunResult, style: ChalkInstance): string[] {
  const line =
    result.status === "succeeded"
      ? `${style.green("✓")} run succeeded in ${formatDuration(result.durationMs)}`
      : result.status === "interrupted"
        ? `${style.yellow("■")} run interrupted after ${formatDuration(result.durationMs)}`
        : `${style.red("✗")} run failed in ${formatDuration(result.durationMs)}: ${result.error ?? "unknown error"}`;
  return [line, pointer(result, style)];
}

/**
 * One line per event, for logs that are read later (CI, journald): the same lines as
 * `show --follow`, with progress thinned to one line per step every 5 s.
 */
export function plainRenderer(output: Output): RunRenderer {
  const lines = new RunEventLines(output.style);
  const lastProgress = new Map<string, number>();
  return {
    onEvent(event) {
      if (event.event === "step_progress") {
        const at = Date.parse(event.ts);
        if (at - (lastProgress.get(event.step) ?? -Infinity) < 5000) return;
        lastProgress.set(event.step, at);
      }
      output.out(lines.format(event));
    },
    finish(result) {
      output.out(pointer(result, output.style));
    },
    notice(text) {
      output.err(text);
    },
  };
}

function stepLine(state: StepState, frame: number, now: number, style: ChalkInstance, width: number): string {
  const name = state.name.padEnd(width);
  const extras: string[] = [];
  if (state.rows !== undefined) extras.push(`${count(state.rows)} rows`);
  switch (state.status) {
    case "pending":
      return style.dim(`  · ${name}`);
    case "running": {
      const elapsed = state.startedAt === undefined ? 0 : now - state.startedAt;
      const attempt = state.attempts > 1 ? ` attempt ${state.attempt}/${state.attempts}` : "";
      const log = state.lastLog ? style.dim(` · ${firstLine(state.lastLog)}`) : "";
      return `  ${style.cyan(SPINNER[frame % SPINNER.length])} ${name}  ${formatDuration(elapsed)}${attempt}${extras.length ? ` · ${extras.join(" · ")}` : ""}${log}`;
    }
    case "retrying": {
      const left = Math.max(0, (state.retryAt ?? now) - now);
      return `  ${style.yellow("↻")} ${name}  attempt ${state.attempt}/${state.attempts} failed: ${firstLine(state.error ?? "")} · retry in ${formatDuration(left)}`;
    }
    case "succeeded":
      if (state.reusedFrom !== undefined) return `  ${style.green("✓")} ${name}  ${style.dim(`reused from run ${state.reusedFrom}`)}`;
      return `  ${style.green("✓")} ${name}  ${formatDuration(state.durationMs ?? 0)}${extras.length ? ` · ${extras.join(" · ")}` : ""}`;
    case "failed":
      return `  ${style.red("✗")} ${name}  ${formatDuration(state.durationMs ?? 0)} · ${firstLine(state.error ?? "")}`;
    case "skipped":
      return style.dim(`  ↷ ${name}  skipped: ${state.error ?? ""}`);
  }
}

/**
 * A timeline redrawn in place on a terminal: a spinner on the running step, retries counting down.
 * log-update (and the Unicode width tables it brings) is loaded only here, not by runs whose output
 * is a pipe or --json.
 */
export async function liveRenderer(output: Output, stream: NodeJS.WriteStream = process.stdout): Promise<RunRenderer> {
  const { createLogUpdate } = await import("log-update");
  const { style } = output;
  const states = new StepStates();
  const draw = createLogUpdate(stream, { showCursor: false });
  let header = "";
  let frame = 0;
  const render = () => {
    const width = Math.max(0, ...states.steps.map((state) => state.name.length));
    draw([header, ...states.steps.map((state) => stepLine(state, frame, Date.now(), style, width))].join("\n"));
  };
  const ticker = setInterval(() => {
    frame++;
    render();
  }, 80);
  ticker.unref();
  return {
    onEvent(event) {
      if (event.event === "run_started") header = `${style.bold(event.job_id)} ${style.dim(`· run ${event.run_id}`)}`;
      if (event.event === "log" && (event.level === "warning" || event.level === "error")) {
        draw.clear();
        output.out(`${event.level === "error" ? style.red(event.level) : style.yellow(event.level)} ${event.step ?? "run"}: ${event.message}`);
      }
      // Alerts belong to no step's line: printed above the timeline, as they happen.
      if (event.event === "alert_sent" || event.event === "alert_failed") {
        draw.clear();
        output.out(alertLine(event, style).trimStart());
      }
      states.apply(event);
      render();
    },
    finish(result) {
      clearInterval(ticker);
      render();
      draw.done();
      for (const line of summary(result, style)) output.out(line);
    },
    notice(text) {
      draw.clear();
      output.err(text);
      render();
    },
  };
}

/** --json: every event as one JSON line on stdout; nothing else there. */
export function jsonRenderer(output: Output): RunRenderer {
  return {
    onEvent: (event) => output.out(JSON.stringify(event)),
    finish: () => {},
    notice: (text) => output.err(text),
  };
}
