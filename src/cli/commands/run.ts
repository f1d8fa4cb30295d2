import { loadProject } from "../../project/loadProject.js";
import { parseParams } from "../../runner/parseParams.js";
import { requireEnvironment } from "../../runner/requiredEnvironment.js";
import { checkJob } from "../../validate/checkProject.js";
import { createOutput } from "../output.js";
import { RUN_EXIT_CODES, runInForeground } from "../runInForeground.js";

export interface RunCommandOptions {
  project?: string;
  param: string[];
  json?: boolean;
}

export async function runCommand(jobId: string, options: RunCommandOptions): Promise<number> {
  // The run goes on to its end, writing its log, when the reader of its output goes away.
  const output = createOutput({ whenStdoutCloses: "drop" });
  const project = loadProject({ projectDir: options.project });
  const job = await checkJob(project, jobId);
  const params = parseParams(job, options.param);
  requireEnvironment(project, job);
  const result = await runInForeground({ project, job, params, output, json: options.json });
  return RUN_EXIT_CODES[result.status];
}
