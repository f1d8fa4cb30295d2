import { UsageError } from "../../errors/nomaflowError.js";
import { displayPath, loadProject } from "../../project/loadProject.js";
import { jobSuggestion } from "../../project/unknownJob.js";
import { listRuns } from "../../run-logs/listRuns.js";
import type { RunSummary } from "../../run-logs/readRunLog.js";
import { listStoredRuns } from "../../state/runHistoryReader.js";
import { hasClusterHistory, readClusterHistory } from "../clusterHistory.js";
import { formatLocalTime } from "../render/formatLocalTime.js";
import { createOutput, printJson } from "../output.js";
import { columnLines } from "../render/columnLines.js";
import { runDuration, styleStatus } from "../render/runTimeline.js";

export interface RunsOptions {
  project?: string;
  /** @default 20 */
  limit: number;
  json?: boolean;
}

/**
 * `nomaflow runs [JOB]`: run history, newest first. `--json` prints the RunSummary of each run
 * (as `show --json` does) without the steps' outputs, which can be large; `show RUN --json` has them.
 * With `state`, the whole cluster's runs from the store, with a HOST column; a run this host has a
 * log of reads from its log, the authoritative record of a run on its host.
 */
export async function runsCommand(jobId: string | undefined, options: RunsOptions): Promise<number> {
  const output = createOutput();
  const project = loadProject({ projectDir: options.project });
  const runsDir = project.config.runsDir;
  const local = listRuns(runsDir, { jobId, limit: options.limit });
  const stored = await readClusterHistory(project, output, (store) => listStoredRuns(store, { jobId, limit: options.limit }));
  const runs =
    stored === undefined
      ? local
      : newestRuns(
          local,
          stored.map((run) => run.summary),
          options.limit,
        );
  const knownJobs = project.jobFiles.map((entry) => entry.expectedId);
  // A job deleted since keeps its history; a name that is neither a job nor in the logs is a typo.
  if (jobId !== undefined && runs.length === 0 && !knownJobs.includes(jobId)) {
    throw new UsageError(`no job ${jobId} in this project and no runs of it`, { hint: jobSuggestion(jobId, knownJobs) });
  }
  if (options.json) {
    printJson(output, runs.map(withoutStepOutputs));
    return 0;
  }
  const cluster = hasClusterHistory(project);
  if (runs.length === 0) {
    // Said of the store only when it was read (a warning said why it was not).
    const where = `${stored !== undefined ? "the state store or " : ""}${displayPath(runsDir, project.cwd)}`;
    output.out(`no runs${jobId === undefined ? "" : ` of ${jobId}`} yet in ${where}`);
    return 0;
  }
  const now = Date.now();
  const { style } = output;
  // HOST only in a cluster: with one host it would repeat one name on every line.
  const header = ["RUN ID", "JOB", ...(cluster ? ["HOST"] : []), "STATUS", "TRIGGER", "STARTED", "DURATION", "FAILED STEP"];
  const rows = runs.map((run) => [
    run.run_id,
    run.job_id,
    ...(cluster ? [run.host ?? "—"] : []),
    run.status,
    run.trigger ?? "—",
    run.started_at ? formatLocalTime(run.started_at) : "—",
    runDuration(run, now),
    run.failed_step ?? "",
  ]);
  const statusColumn = cluster ? 3 : 2;
  // The STATUS column in the status's colour (the header row, 0, is bold instead).
  const [headerLine, ...lines] = columnLines([header, ...rows], (padded, row, column) =>
    row > 0 && column === statusColumn ? styleStatus(style, runs[row - 1]!.status, padded) : padded,
  );
  output.out(style.bold(headerLine!));
  for (const line of lines) output.out(line);
  return 0;
}

/** The newest `limit` runs of both lists; a run in both is taken from this host's log. */
function newestRuns(local: RunSummary[], stored: RunSummary[], limit: number): RunSummary[] {
  const byId = new Map(stored.map((run) => [run.run_id, run]));
  for (const run of local) byId.set(run.run_id, run);
  return [...byId.values()].sort((a, b) => (a.run_id < b.run_id ? 1 : a.run_id > b.run_id ? -1 : 0)).slice(0, limit);
}

function withoutStepOutputs(run: RunSummary): Omit<RunSummary, "steps"> & { steps: unknown[] } {
  return { ...run, steps: run.steps.map(({ output: _output, ...step }) => step) };
}
