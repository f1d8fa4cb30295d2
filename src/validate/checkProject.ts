/**
 * Checks a whole project and builds the model of every job without errors. `validate` prints the
 * report; `list` and the daemon use the jobs. `run` and `next` check one job with checkJob, which
 * reads nomaflow.yaml and that job's file only.
 */
import { resolve } from "node:path";
import { ConfigError } from "../errors/nomaflowError.js";
import { countErrors, sortDiagnostics, type Diagnostic } from "../project/diagnostic.js";
import type { Job } from "../project/job.js";
import type { JobFileEntry, Project } from "../project/loadProject.js";
import { unknownJob } from "../project/unknownJob.js";
import { loadPluginStepTypes } from "./pluginStepTypes.js";
import { checkConfig } from "./checkConfig.js";
import { checkChains } from "./checkChains.js";
import { checkJobFile } from "./checkJobFile.js";

export interface CheckOptions {
  /** Unset `${env:…}` variables are errors rather than warnings. @default false */
  requireEnv?: boolean;
  /** Warn about DST-skipped and repeated fires in the 12 months from this instant. @default no warnings */
  dstFrom?: number;
  /** Check only these job files (paths as given, resolved from cwd); nomaflow.yaml is always read. */
  onlyFiles?: string[];
  /** Where relative `onlyFiles` are resolved from. @default the project's cwd */
  cwd?: string;
}

export interface JobReport {
  id: string;
  file: string;
  /**
   * null: the job's own file has no errors, but nomaflow.yaml does not parse, so what the job
   * takes from it (connectors, channels) could not be checked.
   */
  valid: boolean | null;
}

export interface ProjectReport {
  ok: boolean;
  jobs: JobReport[];
  diagnostics: Diagnostic[];
}

export interface CheckedProject {
  report: ProjectReport;
  /** Valid jobs by id. */
  jobs: Map<string, Job>;
}

export async function checkProject(project: Project, options: CheckOptions = {}): Promise<CheckedProject> {
  return checkJobFiles(project, selectJobFiles(project.jobFiles, options.onlyFiles, options.cwd ?? project.cwd), options);
}

/**
 * The valid model of job `id`, reading nomaflow.yaml and that job's file only: the other files are
 * listed, never read, so a broken or slow neighbour does not stop or slow this job. The id must
 * be the file's name, so no other file can hold this job.
 */
export async function checkJob(project: Project, id: string, options: Pick<CheckOptions, "requireEnv"> = {}): Promise<Job> {
  const files = project.jobFiles.filter((entry) => entry.expectedId === id);
  if (files.length === 0)
    throw unknownJob(
      id,
      project.jobFiles.map((entry) => entry.expectedId),
    );
  if (files.length > 1) {
    throw new ConfigError(`job ${id} has two files: ${files.map((entry) => entry.file).join(" and ")}`, { hint: "keep one of them" });
  }
  const { report, jobs } = await checkJobFiles(project, files, options);
  // Every diagnostic is of nomaflow.yaml, a plugin, or this job's file.
  return jobOrRefusal(
    id,
    jobs.get(id),
    report.diagnostics.filter((diagnostic) => diagnostic.severity === "error"),
  );
}

async function checkJobFiles(project: Project, selected: JobFileEntry[], options: CheckOptions): Promise<CheckedProject> {
  const requireEnv = options.requireEnv ?? false;
  // Plugin step types first: the jobs' steps are checked against them.
  const configDiagnostics = [...checkConfig(project, requireEnv), ...(await loadPluginStepTypes(project))];
  const results = selected.map((entry) => checkJobFile(entry, project, { requireEnv, dstFrom: options.dstFrom }));

  const models = new Map(results.flatMap((result) => (result.job ? [[result.id, result.job] as const] : [])));
  const chainFindings = checkChains(
    results,
    project.jobFiles.map((entry) => entry.expectedId),
    models,
  );
  const diagnostics = [...configDiagnostics];
  const jobs = new Map<string, Job>();
  const reports: JobReport[] = [];
  const firstFileOfId = new Map<string, JobFileEntry>();
  selected.forEach((entry, index) => {
    const result = results[index]!;
    const earlier = firstFileOfId.get(result.id);
    if (earlier && result.idPosition) {
      result.diagnostics.push({
        severity: "error",
        file: entry.file,
        ...result.idPosition,
        job: result.id,
        step: null,
        message: `duplicate job id ${result.id}: ${earlier.file} has it too`,
        hint: "job ids must be unique",
      });
    } else if (!earlier) {
      firstFileOfId.set(result.id, entry);
    }
    result.diagnostics.push(...(chainFindings.get(index) ?? []));
    // A job is judged on its own file (and the names its trigger.after gives); a broken nomaflow.yaml is reported (and refused by
    // checkJob and requireJob) on its own, and leaves its jobs unjudged.
    const valid = countErrors(result.diagnostics) === 0;
    diagnostics.push(...result.diagnostics);
    reports.push({ id: result.id, file: entry.file, valid: valid && !project.configFile.source ? null : valid });
    if (valid && result.job) jobs.set(result.id, result.job);
  });
  const sorted = sortDiagnostics(diagnostics);
  return { report: { ok: countErrors(sorted) === 0, jobs: reports, diagnostics: sorted }, jobs };
}

function selectJobFiles(entries: JobFileEntry[], onlyFiles: string[] | undefined, cwd: string): JobFileEntry[] {
  if (!onlyFiles || onlyFiles.length === 0) return entries;
  const wanted = new Set(onlyFiles.map((file) => resolve(cwd, file)));
  return entries.filter((entry) => wanted.has(entry.absolutePath));
}

/** The valid model of one job of a checked project, or a ConfigError that names its first problem. */
export function requireJob(checked: CheckedProject, id: string): Job {
  const job = checked.jobs.get(id);
  if (!job && !checked.report.jobs.some((candidate) => candidate.id === id)) {
    throw unknownJob(
      id,
      checked.report.jobs.map((candidate) => candidate.id),
    );
  }
  const errors = checked.report.diagnostics.filter((diagnostic) => diagnostic.severity === "error" && (diagnostic.job === id || diagnostic.job === null));
  return jobOrRefusal(id, job, errors);
}

/** `job` when `errors` (its own and the project's, sorted) is empty, else a ConfigError naming the first. */
function jobOrRefusal(id: string, job: Job | undefined, errors: Diagnostic[]): Job {
  const first = errors[0];
  if (!first) {
    if (job) return job;
    throw new ConfigError(`job ${id} is not valid`, { hint: "run nomaflow validate for details" });
  }
  // A valid job refused for nomaflow.yaml's sake.
  if (job && first.job === null) {
    throw new ConfigError(`${first.file}:${first.line}:${first.column}: ${first.message}`, {
      hint: "fix nomaflow.yaml first; nomaflow validate lists every problem",
    });
  }
  throw new ConfigError(`job ${id} is not valid: ${first.file}:${first.line}:${first.column}: ${first.message}`, {
    hint: errors.length > 1 ? `${errors.length} problems; run nomaflow validate to see them all` : "run nomaflow validate for details",
  });
}
