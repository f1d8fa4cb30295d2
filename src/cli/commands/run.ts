import { UsageError } from "../../errors/nomaflowError.js";
import { loadProject } from "../../project/loadProject.js";
import { logicalDateAt, logicalDateOfChainedRun, logicalDateOnDay, type LogicalDate } from "../../runner/logicalDate.js";
import type { Job } from "../../project/job.js";
import { parseParams } from "../../runner/parseParams.js";
import { requireEnvironment } from "../../runner/requiredEnvironment.js";
import { planResume } from "../../runner/resumePlan.js";
import { checkJob } from "../../validate/checkProject.js";
import { chainRootOf } from "../chainRootOf.js";
import { DATE_ONLY, parseFrom, parseUntil } from "../fireTimes.js";
import { readNamedRun } from "../findRun.js";
import { createOutput } from "../output.js";
import { RUN_EXIT_CODES, runInForeground, type ForegroundRunOptions } from "../runInForeground.js";

export interface RunCommandOptions {
  project?: string;
  param: string[];
  json?: boolean;
  /** `--for ISO`: the fire time the run is for. */
  for?: string;
  /** `--resume RUN_ID`: rerun that failed run from its failed step. */
  resume?: string;
}

/** `--for`: a fire time of the job's schedule, or a date alone when the job fires once that day; any instant for a job without a schedule. */
function logicalDateFor(job: Job, text: string): LogicalDate {
  if (job.schedule && DATE_ONLY.test(text)) {
    return logicalDateOnDay(job.schedule, job.id, parseFrom(text, job.timezone, "--for"), parseUntil(text, job.timezone, "--for"), text);
  }
  return logicalDateAt(job, parseFrom(text, job.timezone, "--for"), text);
}

export async function runCommand(jobId: string, options: RunCommandOptions): Promise<number> {
  // The run goes on to its end, writing its log, when the reader of its output goes away.
  const output = createOutput({ whenStdoutCloses: "drop" });
  const project = loadProject({ projectDir: options.project });
  const job = await checkJob(project, jobId);
  let params: Record<string, unknown>;
  let runFor: ForegroundRunOptions["runFor"];
  if (options.resume !== undefined) {
    if (options.param.length > 0 || options.for !== undefined) {
      throw new UsageError(`--resume reruns run ${options.resume} with its own parameters and logical date: -p and --for cannot be given with it`);
    }
    const plan = planResume(job, await readNamedRun(project, output, options.resume));
    params = plan.params;
    runFor = { trigger: "resume", logicalDate: plan.logicalDate, resume: plan };
  } else {
    params = parseParams(job, options.param);
    // A chained job without a schedule is for a logical date of its chain's root, as in the daemon.
    const root = job.trigger && !job.schedule ? await chainRootOf(project, job) : undefined;
    if (root) {
      const forRoot = options.for === undefined ? undefined : logicalDateFor(root, options.for);
      runFor = { logicalDate: logicalDateOfChainedRun(job, root, Date.now(), forRoot) };
    } else if (options.for !== undefined) runFor = { logicalDate: logicalDateFor(job, options.for) };
  }
  requireEnvironment(project, job);
  const result = await runInForeground({ project, job, params, output, json: options.json, runFor });
  return RUN_EXIT_CODES[result.status];
}
