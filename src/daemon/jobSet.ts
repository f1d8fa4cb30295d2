/**
 * The jobs the daemon follows, from a freshly checked project and the previous set: a valid job
 * takes its new version; a job whose file became invalid keeps its previous version (and the
 * project that version was checked with); a job whose file is gone is dropped. At start the
 * previous set is empty, so an invalid job is not followed until it is fixed.
 */
import type { Diagnostic } from "../project/diagnostic.js";
import type { Project } from "../project/loadProject.js";
import type { CheckedProject } from "../validate/checkProject.js";
import type { DaemonJob } from "./daemonJob.js";

export interface InvalidJob {
  /** The id the file gives (or its file name when it gives none). */
  id: string;
  /** The first error, with its position. */
  error: Diagnostic;
  errorCount: number;
  /** The previous version of the job is kept (a reload); false: the job is not followed. */
  kept: boolean;
}

export interface JobSet {
  jobs: Map<string, DaemonJob>;
  invalid: InvalidJob[];
  /** Errors in nomaflow.yaml: the whole new version is refused and `jobs` is the previous set. */
  configErrors: Diagnostic[];
}

export function resolveJobSet(previous: ReadonlyMap<string, DaemonJob>, project: Project, checked: CheckedProject): JobSet {
  const errors = checked.report.diagnostics.filter((diagnostic) => diagnostic.severity === "error");
  const configErrors = errors.filter((diagnostic) => diagnostic.file === project.configFile.file);
  if (configErrors.length > 0) return { jobs: new Map(previous), invalid: [], configErrors };

  const jobs = new Map<string, DaemonJob>();
  const invalid: InvalidJob[] = [];
  for (const report of checked.report.jobs) {
    const job = report.valid ? checked.jobs.get(report.id) : undefined;
    if (job) {
      jobs.set(job.id, { job, project });
      continue;
    }
    const fileErrors = errors.filter((diagnostic) => diagnostic.file === report.file);
    // Matched by id, or by file when the broken file no longer says its id.
    const old = previous.get(report.id) ?? [...previous.values()].find((entry) => entry.job.file === report.file);
    const kept = old !== undefined && !jobs.has(old.job.id) && !checked.jobs.has(old.job.id);
    if (kept) jobs.set(old.job.id, old);
    const error = fileErrors[0] ?? {
      severity: "error",
      file: report.file,
      line: 1,
      column: 1,
      job: report.id,
      step: null,
      message: "the job is not valid",
      hint: null,
    };
    invalid.push({ id: report.id, error, errorCount: Math.max(1, fileErrors.length), kept });
  }
  return { jobs, invalid, configErrors: [] };
}

/** For the daemon's `reloaded` line: jobs gone from the project, and jobs valid again after a reload found them invalid. */
export function reloadedJobs(previous: JobSet, next: JobSet): { removed: string[]; recovered: string[] } {
  const invalidNow = new Set(next.invalid.map((job) => job.id));
  return {
    removed: [...previous.jobs.keys()].filter((id) => !next.jobs.has(id) && !invalidNow.has(id)).sort(),
    recovered: previous.invalid
      .map((job) => job.id)
      .filter((id) => next.jobs.has(id) && !invalidNow.has(id))
      .sort(),
  };
}
