import { ConfigError, formatPosition } from "../../errors/nomaflowError.js";
import type { RetentionSettings } from "../../project/job.js";
import { displayPath, loadProject } from "../../project/loadProject.js";
import { pruneRunLogs, retentionOfLogs, type PruneResult } from "../../run-logs/pruneRunLogs.js";
import { checkProject } from "../../validate/checkProject.js";
import { createOutput, printJson } from "../output.js";
import { columnLines } from "../render/columnLines.js";
import { formatBytes } from "../../project/formatRowsAndBytes.js";

export interface RunsPruneOptions {
  project?: string;
  dryRun?: boolean;
  json?: boolean;
}

/** `30 days, keep last 10`; `none` when the job's logs are all kept. */
function retentionText(retention: RetentionSettings | undefined): string {
  if (!retention) return "none";
  const parts = [];
  if (retention.days !== undefined) parts.push(`${retention.days} day${retention.days === 1 ? "" : "s"}`);
  if (retention.keepLast !== undefined) parts.push(`keep last ${retention.keepLast}`);
  return parts.join(", ");
}

const plural = (count: number, word: string) => `${count.toLocaleString("en-US")} ${word}${count === 1 ? "" : "s"}`;

function resultJson(result: PruneResult) {
  return {
    dry_run: result.dryRun,
    removed_count: result.removedCount,
    removed_bytes: result.removedBytes,
    jobs: result.jobs.map((job) => ({
      job_id: job.jobId,
      retention: job.retention ? { days: job.retention.days ?? null, keep_last: job.retention.keepLast ?? null } : null,
      removed: job.removed.map((log) => ({ run_id: log.runId, started_at: log.startedAt, bytes: log.bytes })),
      kept: job.kept,
      kept_going: job.going,
      failed: job.failed.map((failure) => ({ run_id: failure.runId, error: failure.error })),
    })),
  };
}

/**
 * `nomaflow runs prune [--dry-run] [--json]`: applies each job's `runs_retention` to its run logs
 * (as the daemon does once an hour) and says what went. A job whose file has errors keeps its logs.
 * Exit 1 when a log could not be deleted.
 */
export async function runsPruneCommand(options: RunsPruneOptions): Promise<number> {
  const output = createOutput();
  const project = loadProject({ projectDir: options.project });
  const checked = await checkProject(project);
  const errors = checked.report.diagnostics.filter((diagnostic) => diagnostic.severity === "error");
  const configError = errors.find((diagnostic) => diagnostic.file === project.configFile.file);
  // The defaults decide what is deleted: a nomaflow.yaml with errors could delete too much.
  if (configError)
    throw new ConfigError(`${formatPosition(configError)}: ${configError.message}`, { hint: "fix nomaflow.yaml first; nomaflow validate lists every problem" });
  for (const report of checked.report.jobs) {
    if (!checked.jobs.has(report.id)) output.err(`warning: ${report.file} has errors: the run logs of ${report.id} are kept (see nomaflow validate)`);
  }
  const result = await pruneRunLogs({
    runsDir: project.config.runsDir,
    retentionOf: retentionOfLogs(project, (jobId) => checked.jobs.get(jobId)),
    nowMs: Date.now(),
    dryRun: options.dryRun,
  });
  const failures = result.jobs.flatMap((job) => job.failed.map((failure) => ({ ...failure, jobId: job.jobId })));
  for (const failure of failures) output.err(`error: cannot delete the log of run ${failure.runId} (${failure.jobId}): ${failure.error}`);
  if (options.json) {
    printJson(output, resultJson(result));
    return failures.length > 0 ? 1 : 0;
  }
  const where = displayPath(project.config.runsDir, project.cwd);
  if (result.jobs.length === 0) {
    output.out(`no run logs in ${where}`);
    return failures.length > 0 ? 1 : 0;
  }
  const { style } = output;
  const header = ["JOB", "RETENTION", options.dryRun ? "TO REMOVE" : "REMOVED", "SIZE", "LEFT"];
  const rows = result.jobs.map((job) => [
    job.jobId,
    retentionText(job.retention),
    String(job.removed.length),
    job.removed.length === 0 ? "" : formatBytes(job.removed.reduce((sum, log) => sum + log.bytes, 0)),
    String(job.kept),
  ]);
  const [headerLine, ...lines] = columnLines([header, ...rows]);
  output.out(style.bold(headerLine!));
  for (const line of lines) output.out(line);
  for (const job of result.jobs) for (const runId of job.going) output.out(`kept ${runId} (${job.jobId}): the run is still going`);
  const total = `${plural(result.removedCount, "run log")} (${formatBytes(result.removedBytes)})`;
  if (result.removedCount === 0) output.out(`nothing to remove from ${where}`);
  else output.out(options.dryRun ? `would remove ${total} from ${where}; nothing was deleted (--dry-run)` : `removed ${total} from ${where}`);
  return failures.length > 0 ? 1 : 0;
}
