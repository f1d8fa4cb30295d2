/** Runs a job of a temporary project in this process, as `nomaflow run` would, and collects its events. */
import { loadProject } from "../../src/project/loadProject.js";
import { startRun, type RunOptions, type RunResult } from "../../src/runner/startRun.js";
import type { RunEvent } from "../../src/run-logs/runEvents.js";
import { checkJob } from "../../src/validate/checkProject.js";

export interface FinishedRun {
  result: RunResult;
  events: RunEvent[];
  /** The output of a succeeded step. */
  output(step: string): Record<string, unknown> | undefined;
  /** The error of a failed step. */
  error(step: string): string | undefined;
}

export async function runJobIn(root: string, jobId: string, options: Partial<RunOptions> = {}, processEnv: NodeJS.ProcessEnv = {}): Promise<FinishedRun> {
  const project = loadProject({ projectDir: root, cwd: root, processEnv });
  const job = await checkJob(project, jobId);
  const events: RunEvent[] = [];
  const handle = startRun({
    project,
    job,
    params: {},
    graceMs: 2000,
    ...options,
    onEvent: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  const result = await handle.result;
  return {
    result,
    events,
    output: (step) =>
      (events.find((event) => event.event === "step_succeeded" && event.step === step) as { output?: Record<string, unknown> } | undefined)?.output,
    error: (step) => (events.find((event) => event.event === "step_failed" && event.step === step) as { error?: string } | undefined)?.error,
  };
}
