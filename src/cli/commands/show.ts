import { basename, dirname } from "node:path";
import { UsageError } from "../../errors/nomaflowError.js";
import { displayPath, loadProject, type Project } from "../../project/loadProject.js";
import { followRunLog } from "../../run-logs/followRunLog.js";
import { findRunLog, listRunLogs } from "../../run-logs/listRuns.js";
import { processIsAlive, readRunLog, summarizeRun } from "../../run-logs/readRunLog.js";
import type { RunEvent, RunStartedEvent } from "../../run-logs/runEvents.js";
import { followStoredRun } from "../../state/followStoredRun.js";
import type { StatePool } from "../../state/statePool.js";
import { findStoredRuns, readStoredRun, readStoredRunRow } from "../../state/runHistoryReader.js";
import { abandonedReason, judgedStatus } from "../../state/storedRunRow.js";
import { readClusterHistory } from "../clusterHistory.js";
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
  const fromStore = await readClusterHistory(project, output, async (store) => {
    const local = localMatches(project, runId);
    const stored = await findStoredRuns(store, runId);
    const found = pickRun(runId, local, stored, project);
    // A run this host has a log of is shown from it: the log is the whole record.
    if (local.has(found)) return undefined;
    return options.follow ? followFromStore(store, found, output, options.json ?? false) : showFromStore(store, found, output, options.json ?? false);
  });
  if (fromStore !== undefined) return fromStore;
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

/** This host's runs whose id is `query` or starts with it: run id → job id. */
function localMatches(project: Project, query: string): Map<string, string> {
  return new Map(
    listRunLogs(project.config.runsDir)
      .filter((log) => log.runId.startsWith(query))
      .map((log) => [log.runId, log.jobId]),
  );
}

/**
 * The one run `query` names among this host's logs and the store's runs (an exact id wins).
 * @throws UsageError when none matches, or when a prefix matches several (naming them).
 */
function pickRun(query: string, local: Map<string, string>, stored: { runId: string; jobId: string }[], project: Project): string {
  if (query === "") throw new UsageError("give a run id (or the start of one); nomaflow runs lists them");
  const jobs = new Map([...stored.map((run): [string, string] => [run.runId, run.jobId]), ...local]);
  const ids = [...jobs.keys()].sort().reverse();
  if (jobs.has(query)) return query;
  if (ids.length === 1) return ids[0]!;
  if (ids.length === 0) throw new UsageError(`no run ${query} in ${displayPath(project.config.runsDir, project.cwd)} or in the state store; see nomaflow runs`);
  const shown = ids.slice(0, 10).map((id) => `${id} (${jobs.get(id)})`);
  throw new UsageError(`run id ${query} is ambiguous: it could be ${shown.join(", ")}${ids.length > 10 ? ", and more" : ""}; give more of it`);
}

async function showFromStore(store: StatePool, runId: string, output: Output, json: boolean): Promise<number> {
  const found = await readStoredRun(store, runId);
  if (!found) throw new UsageError(`no run ${runId} in the state store; see nomaflow runs`);
  const { summary, row } = found.run;
  if (json) printJson(output, summary);
  else for (const line of formatRunTimeline(summary, output.style, Date.now(), textWidth())) output.out(line);
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
