import { loadProject } from "../../project/loadProject.js";
import { parseParams } from "../../runner/parseParams.js";
import { requireEnvironment } from "../../runner/requiredEnvironment.js";
import { checkProject, requireJob } from "../../validate/checkProject.js";
import { createOutput } from "../output.js";
import { RUN_EXIT_CODES, runInForeground } from "../runInForeground.js";

export interface RunCommandOptions {
  project?: string;
  param: string[];
  json?: boolean;
}

export async function runCommand(jobId: string, options: RunCommandOptions): Promise<number> {
  const output = createOutput();
  const project = loadProject({ projectDir: options.project });
  const job = requireJob(await checkProject(project), jobId);
  const params = parseParams(job, options.param);
  requireEnvironment(project, job);
  const result = await runInForeground({ project, job, params, output, json: options.json });
  return RUN_EXIT_CODES[result.status];
}
