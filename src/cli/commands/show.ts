import { basename, dirname } from "node:path";
import { displayPath, loadProject } from "../../project/loadProject.js";
import { followRunLog } from "../../run-logs/followRunLog.js";
import { findRunLog } from "../../run-logs/listRuns.js";
import { processIsAlive, readRunLog, summarizeRun } from "../../run-logs/readRunLog.js";
import type { RunEvent, RunStartedEvent } from "../../run-logs/runEvents.js";
import { createOutput, printJson, textWidth, type Output } from "../output.js";
import { RunEventLines } from "../render/runEventLines.js";
import { formatRunTimeline } from "../render/runTimeline.js";

export interface ShowOptions {
  project?: string;
  follow?: boolean;
  json?: boolean;
}

/** Exit status of `show --follow` for each way a run ends. */
const FOLLOW_EXIT: ReadonlyMap<string, number> = new Map([
  ["run_succeeded", 0],
  ["run_failed", 1],
  ["run_interrupted", 130],
]);

/**
 * `nomaflow show RUN_ID`: the run's timeline (`--json`: its RunSummary); exits 0 whatever the
 * run's status. With `--follow`, one line per event as the run goes (`--json`: the events as
 * NDJSON), exiting with the run's outcome: 0 succeeded, 1 failed, 130 interrupted, 1 abandoned.
 */
export async function showCommand(runId: string, options: ShowOptions): Promise<number> {
  const output = createOutput();
  const project = loadProject({ projectDir: options.project });
  const path = findRunLog(project.config.runsDir, runId);
  if (options.follow) return follow(path, output, options.json ?? false);

  const parsed = readRunLog(path);
  const summary = summarizeRun(parsed.events, processIsAlive, { runId: basename(path, ".ndjson"), jobId: basename(dirname(path)) });
  if (options.json) printJson(output, summary);
  else for (const line of formatRunTimeline(summary, output.style, Date.now(), textWidth())) output.out(line);
  if (parsed.badLines > 0) {
    output.err(`warning: ${displayPath(path, project.cwd)} has ${parsed.badLines} unreadable ${parsed.badLines === 1 ? "line" : "lines"}, skipped`);
  }
  return 0;
}

async function follow(path: string, output: Output, json: boolean): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const lines = new RunEventLines(output.style);
  let last: RunEvent | undefined;
  let started: RunStartedEvent | undefined;
  try {
    for await (const event of followRunLog(path, { signal: stop.signal })) {
      if (event.event === "run_started") started = event;
      last = event;
      output.out(json ? JSON.stringify(event) : lines.format(event));
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (stop.signal.aborted) return 130;
  const code = last && FOLLOW_EXIT.get(last.event);
  if (code !== undefined) return code;
  const who = started ? `its process (pid ${started.pid} on ${started.host})` : "its process";
  output.err(`${output.errStyle.yellow(`nomaflow: run ${basename(path, ".ndjson")} abandoned:`)} ${who} is gone and the log has no final event`);
  return 1;
}
