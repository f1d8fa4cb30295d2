import { basename, dirname } from "node:path";
import { UsageError } from "../../errors/nomaflowError.js";
import { displayPath, loadProject, type Project } from "../../project/loadProject.js";
import { followRunLog } from "../../run-logs/followRunLog.js";
import { findRunLog } from "../../run-logs/listRuns.js";
import { processIsAlive, readRunLog, summarizeRun, type RunStatus, type RunSummary } from "../../run-logs/readRunLog.js";
import type { RunEvent, RunStartedEvent } from "../../run-logs/runEvents.js";
import { followStoredRun } from "../../state/followStoredRun.js";
import type { StatePool } from "../../state/statePool.js";
import { findStoredResumes, findStoredRuns, readStoredRun, readStoredRunRow } from "../../state/runHistoryReader.js";
import { abandonedReason, judgedStatus } from "../../state/storedRunRow.js";
import { readClusterHistory } from "../clusterHistory.js";
import { localMatches, localResumes, pickRun } from "../findRun.js";
import { createOutput, printJson, textWidth, type Output } from "../output.js";
import { RunEventLines } from "../render/runEventLines.js";
import { formatRunTimeline, type ResumedBy } from "../render/runTimeline.js";

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

/** Exit status of `show --follow` by a run's status, when the store has its end but not its final event. */
const STATUS_EXIT: ReadonlyMap<string, number> = new Map([
  ["succeeded", 0],
  ["failed", 1],
  ["interrupted", 130],
]);

/**
 * `nomaflow show RUN_ID`: the run's timeline (`--json`: its RunSummary); exits 0 whatever the
 * run's status. With `--follow`, one line per event as the run goes (`--json`: the events as
 * NDJSON), exiting with the run's outcome: 0 succeeded, 1 failed, 130 interrupted, 1 abandoned.
 * With `state`, a run of any host: from this host's log when it has one, else from the store.
 */
export async function showCommand(runId: string, options: ShowOptions): Promise<number> {
  const output = createOutput();
  const project = loadProject({ projectDir: options.project });
  const fromStore = await readClusterHistory(project, output, async (store): Promise<number | ResumedBy[]> => {
    const local = localMatches(project, runId);
    const stored = await findStoredRuns(store, runId);
    const found = pickRun(runId, local, stored, project);
    // A run this host has a log of is shown from it: the log is the whole record; its resumes may be anywhere.
    const jobId = local.get(found);
    if (jobId !== undefined) return options.follow ? [] : storedResumes(store, jobId, found);
    return options.follow ? followFromStore(store, found, output, options.json ?? false) : showFromStore(project, store, found, output, options.json ?? false);
  });
  if (typeof fromStore === "number") return fromStore;
  const path = findRunLog(project.config.runsDir, runId);
  if (options.follow) return follow(path, output, options.json ?? false);

  const parsed = readRunLog(path);
  const summary = summarizeRun(parsed.events, processIsAlive, { runId: basename(path, ".ndjson"), jobId: basename(dirname(path)) });
  printSummary(summary, mergeResumes(localResumes(project, summary.job_id, summary.run_id), fromStore ?? []), output, options.json ?? false);
  if (parsed.badLines > 0) {
    output.err(`warning: ${displayPath(path, project.cwd)} has ${parsed.badLines} unreadable ${parsed.badLines === 1 ? "line" : "lines"}, skipped`);
  }
  return 0;
}

/** The timeline, or the summary as JSON with the runs that resumed it (`resumed_by`, when there are some). */
function printSummary(summary: RunSummary, resumedBy: ResumedBy[], output: Output, json: boolean): void {
  if (json) printJson(output, resumedBy.length > 0 ? { ...summary, resumed_by: resumedBy.map((run) => ({ run_id: run.runId, status: run.status })) } : summary);
  else for (const line of formatRunTimeline(summary, output.style, Date.now(), textWidth(), resumedBy)) output.out(line);
}

async function storedResumes(store: StatePool, jobId: string, runId: string): Promise<ResumedBy[]> {
  return (await findStoredResumes(store, jobId, runId)).map((row) => ({ runId: row.run_id, status: row.status as RunStatus }));
}

/** Both lists, once each, oldest first. */
function mergeResumes(local: ResumedBy[], stored: ResumedBy[]): ResumedBy[] {
  const byId = new Map([...stored, ...local].map((run) => [run.runId, run]));
  return [...byId.values()].sort((a, b) => (a.runId < b.runId ? -1 : 1));
}

async function showFromStore(project: Project, store: StatePool, runId: string, output: Output, json: boolean): Promise<number> {
  const found = await readStoredRun(store, runId);
  if (!found) throw new UsageError(`no run ${runId} in the state store; see nomaflow runs`);
  const { summary, row } = found.run;
  const resumes = mergeResumes(localResumes(project, summary.job_id, runId), await storedResumes(store, summary.job_id, runId));
  printSummary(summary, resumes, output, json);
  if (row.events_missing > 0) {
    output.err(
      `warning: the state store misses ${row.events_missing} ${row.events_missing === 1 ? "event" : "events"} of this run (dropped while it was unreachable); the run log on ${row.host} has them all`,
    );
  }
  return 0;
}

async function followFromStore(store: StatePool, runId: string, output: Output, json: boolean): Promise<number> {
  const code = await followEvents((signal) => followStoredRun(store, runId, { signal }), output, json);
  if (code !== undefined) return code;
  const row = await readStoredRunRow(store, runId);
  const status = row ? judgedStatus(row, processIsAlive) : "abandoned";
  const ended = STATUS_EXIT.get(status);
  if (ended !== undefined) return ended;
  const why = row ? abandonedReason(row) : "the state store has no row of it";
  output.err(`${output.errStyle.yellow(`nomaflow: run ${runId} abandoned:`)} ${why}`);
  return 1;
}

/**
 * Prints the events as they come (Ctrl-C stops following); the exit status when the run ended with
 * a final event or following was stopped, undefined when the events ended without one.
 */
async function followEvents(events: (signal: AbortSignal) => AsyncGenerator<RunEvent>, output: Output, json: boolean): Promise<number | undefined> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const lines = new RunEventLines(output.style);
  let last: RunEvent | undefined;
  try {
    for await (const event of events(stop.signal)) {
      last = event;
      output.out(json ? JSON.stringify(event) : lines.format(event));
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (stop.signal.aborted) return 130;
  return last && FOLLOW_EXIT.get(last.event);
}

async function follow(path: string, output: Output, json: boolean): Promise<number> {
  let started: RunStartedEvent | undefined;
  const code = await followEvents(
    async function* (signal) {
      for await (const event of followRunLog(path, { signal })) {
        if (event.event === "run_started") started = event;
        yield event;
      }
    },
    output,
    json,
  );
  if (code !== undefined) return code;
  const who = started ? `its process (pid ${started.pid} on ${started.host})` : "its process";
  output.err(`${output.errStyle.yellow(`nomaflow: run ${basename(path, ".ndjson")} abandoned:`)} ${who} is gone and the log has no final event`);
  return 1;
}
