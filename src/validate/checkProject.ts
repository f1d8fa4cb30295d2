/**
 * Checks a whole project and builds the model of every job without errors. `validate` prints the
 * report; `run`, `list`, `next` and the daemon use the jobs (and refuse an invalid one).
 */
import { resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { countErrors, sortDiagnostics, type Diagnostic } from "../project/diagnostic.js";
import type { Job } from "../project/job.js";
import type { JobFileEntry, Project } from "../project/loadProject.js";
import { loadPluginStepTypes } from "../plugins/pluginStepTypes.js";
import { checkConfig } from "./checkConfig.js";
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
  const requireEnv = options.requireEnv ?? false;
  // Plugin step types first: the jobs' steps are checked against them.
  const configDiagnostics = [...checkConfig(project, requireEnv), ...(await loadPluginStepTypes(project))];
  const selected = selectJobFiles(project.jobFiles, options.onlyFiles, options.cwd ?? project.cwd);
  const results = selected.map((entry) => checkJobFile(entry, project, { requireEnv, dstFrom: options.dstFrom }));

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
    // A job is judged on its own file; a broken nomaflow.yaml is reported (and refused by
    // requireJob) on its own, and leaves its jobs unjudged.
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

/** The valid model of one job, or a ConfigError that names its first problem. */
export function requireJob(checked: CheckedProject, id: string): Job {
  const job = checked.jobs.get(id);
  const configProblem = checked.report.diagnostics.find((diagnostic) => diagnostic.severity === "error" && diagnostic.job === null);
  if (job && configProblem) {
    throw new ConfigError(`${configProblem.file}:${configProblem.line}:${configProblem.column}: ${configProblem.message}`, {
      hint: "fix nomaflow.yaml first; nomaflow validate lists every problem",
    });
  }
  if (job) return job;
  const report = checked.report.jobs.find((candidate) => candidate.id === id);
  if (!report) {
    const known = checked.report.jobs.map((candidate) => candidate.id);
    throw new ConfigError(`no job ${id} in this project`, { hint: known.length ? `jobs: ${known.join(", ")}` : "add a file under jobs/" });
  }
  const problem = checked.report.diagnostics.find((diagnostic) => diagnostic.severity === "error" && (diagnostic.job === id || diagnostic.job === null));
  const count = checked.report.diagnostics.filter((diagnostic) => diagnostic.severity === "error" && (diagnostic.job === id || diagnostic.job === null)).length;
  throw new ConfigError(
    problem ? `job ${id} is not valid: ${problem.file}:${problem.line}:${problem.column}: ${problem.message}` : `job ${id} is not valid`,
    { hint: count > 1 ? `${count} problems; run nomaflow validate to see them all` : "run nomaflow validate for details" },
  );
}
