import { UsageError } from "../../errors/nomaflowError.js";
import { displayPath, loadProject } from "../../project/loadProject.js";
import { jobSuggestion } from "../../project/unknownJob.js";
import { listRuns } from "../../run-logs/listRuns.js";
import type { RunSummary } from "../../run-logs/readRunLog.js";
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
 */
export async function runsCommand(jobId: string | undefined, options: RunsOptions): Promise<number> {
  const output = createOutput();
  const project = loadProject({ projectDir: options.project });
  const runsDir = project.config.runsDir;
  const runs = listRuns(runsDir, { jobId, limit: options.limit });
  const knownJobs = project.jobFiles.map((entry) => entry.expectedId);
  // A job deleted since keeps its history; a name that is neither a job nor in the logs is a typo.
  if (jobId !== undefined && runs.length === 0 && !knownJobs.includes(jobId)) {
    throw new UsageError(`no job ${jobId} in this project and no runs of it`, { hint: jobSuggestion(jobId, knownJobs) });
  }
  if (options.json) {
    printJson(output, runs.map(withoutStepOutputs));
    return 0;
  }
  if (runs.length === 0) {
    output.out(`no runs${jobId === undefined ? "" : ` of ${jobId}`} yet in ${displayPath(runsDir, project.cwd)}`);
    return 0;
  }
  const now = Date.now();
  const { style } = output;
  const header = ["RUN ID", "JOB", "STATUS", "TRIGGER", "STARTED", "DURATION", "FAILED STEP"];
  const rows = runs.map((run) => [
    run.run_id,
    run.job_id,
    run.status,
    run.trigger ?? "—",
    run.started_at ? formatLocalTime(run.started_at) : "—",
    runDuration(run, now),
    run.failed_step ?? "",
  ]);
  // The STATUS column in the status's colour (the header row, 0, is bold instead).
  const [headerLine, ...lines] = columnLines([header, ...rows], (padded, row, column) =>
    row > 0 && column === 2 ? styleStatus(style, runs[row - 1]!.status, padded) : padded,
  );
  output.out(style.bold(headerLine!));
  for (const line of lines) output.out(line);
  return 0;
}

function withoutStepOutputs(run: RunSummary): Omit<RunSummary, "steps"> & { steps: unknown[] } {
  return { ...run, steps: run.steps.map(({ output: _output, ...step }) => step) };
}
