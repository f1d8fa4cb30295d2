import { loadProject } from "../../project/loadProject.js";
import { latestRun } from "../../run-logs/listRuns.js";
import { processIsAlive } from "../../files/processIsAlive.js";
import { latestStoredRuns } from "../../state/runHistoryReader.js";
import { judgedStatus } from "../../state/storedRunRow.js";
import { hasClusterHistory, readClusterHistory } from "../clusterHistory.js";
import { formatFireTime, nextFireTimes } from "../../schedule/nextFireTimes.js";
import { formatLocalTime } from "../render/formatLocalTime.js";
import { checkProject } from "../../validate/checkProject.js";
import { createOutput, printJson } from "../output.js";
import { columnLines } from "../render/columnLines.js";
import { formatChain } from "../render/formatChain.js";
import type { ChainOutcome } from "../../schema/jobSchema.js";

export interface ListOptions {
  project?: string;
  tag?: string;
  json?: boolean;
}

export interface CatalogueEntry {
  id: string;
  file: string;
  valid: boolean;
  enabled: boolean | null;
  description: string | null;
  tags: string[];
  schedule: string | null;
  timezone: string | null;
  /** `trigger:`: the jobs it runs after and how their runs must have ended; null when it has none. */
  trigger: { after: string[]; on: ChainOutcome } | null;
  next_fire: string | null;
  /**
   * The latest run (started_at as in the log: ISO 8601 UTC), from the run logs and, with `state`,
   * the store (any host's); null until the job has run.
   */
  last_run: { run_id: string; status: string; started_at: string; host: string | null } | null;
}

export async function listCommand(options: ListOptions): Promise<number> {
  const output = createOutput();
  const project = loadProject({ projectDir: options.project });
  const checked = await checkProject(project);
  const now = Date.now();
  const jobIds = checked.report.jobs.map((report) => report.id);
  const stored = await readClusterHistory(project, output, (store) => latestStoredRuns(store, jobIds));
  const entries: CatalogueEntry[] = checked.report.jobs.map((report) => {
    const job = checked.jobs.get(report.id);
    const local = latestRun(project.config.runsDir, report.id);
    const row = stored?.get(report.id);
    // This host's log is the record of its runs; the store's row is newer only for another host's run.
    const last =
      row !== undefined && (local === undefined || row.run_id > local.run_id)
        ? { run_id: row.run_id, status: judgedStatus(row, processIsAlive), started_at: row.started_at, host: row.host }
        : local && { run_id: local.run_id, status: local.status, started_at: local.started_at ?? "", host: local.host };
    const next = job?.schedule && job.enabled ? nextFireTimes(job.schedule.cron, job.schedule.timezone, now, 1)[0] : undefined;
    return {
      id: report.id,
      file: report.file,
      valid: report.valid === true,
      enabled: job ? job.enabled : null,
      description: job?.description ?? null,
      tags: job?.tags ?? [],
      schedule: job?.schedule?.expression ?? null,
      timezone: job?.schedule?.timezone ?? null,
      trigger: job?.trigger ? { after: job.trigger.after, on: job.trigger.on } : null,
      next_fire: next !== undefined && job?.schedule ? formatFireTime(next, job.schedule.timezone) : null,
      last_run: last ?? null,
    };
  });
  const shown = options.tag === undefined ? entries : entries.filter((entry) => entry.tags.includes(options.tag!));
  if (options.json) {
    printJson(output, shown);
    return 0;
  }
  const { style } = output;
  // In a cluster the last run may be another host's: it is named.
  const onHost = (host: string | null) => (hasClusterHistory(project) && host !== null ? ` on ${host}` : "");
  const rows = shown.map((entry) => [
    entry.id,
    !entry.valid ? "invalid" : entry.enabled ? "yes" : "no",
    whenItRuns(entry),
    entry.timezone ?? "",
    entry.next_fire ?? (entry.valid && entry.enabled && entry.schedule ? "never" : "—"),
    entry.last_run ? `${entry.last_run.status} ${formatLocalTime(entry.last_run.started_at)}${onHost(entry.last_run.host)}` : "never run",
  ]);
  const header = ["ID", "ENABLED", "SCHEDULE", "TIMEZONE", "NEXT FIRE", "LAST RUN"];
  const [headerLine, ...lines] = columnLines([header, ...rows]);
  output.out(style.bold(headerLine!));
  lines.forEach((line, index) => output.out(rows[index]![1] === "invalid" ? style.red(line) : line));
  if (shown.length === 0) output.out(options.tag ? `no job has the tag ${options.tag}` : "no job files in jobs/");
  if (entries.some((entry) => !entry.valid)) output.err("some jobs are invalid: run nomaflow validate to see why");
  return 0;
}

/** The SCHEDULE column: the cron, the chain, both, or `manual`. */
function whenItRuns(entry: CatalogueEntry): string {
  const chain = entry.trigger && formatChain(entry.trigger);
  if (entry.schedule && chain) return `${entry.schedule}; ${chain}`;
  return entry.schedule ?? chain ?? "manual";
}
