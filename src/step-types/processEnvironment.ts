import type { StepRunContext } from "./stepType.js";

/**
 * The environment of a process a step starts: the project's environment (unset variables left
 * out), then where it runs (NOMAFLOW_JOB_ID, NOMAFLOW_RUN_ID, NOMAFLOW_STEP, NOMAFLOW_ATTEMPT),
 * then `extra` over both.
 */
export function processEnvironment(context: StepRunContext, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(context.env)) if (value !== undefined) env[name] = value;
  Object.assign(env, {
    NOMAFLOW_JOB_ID: context.jobId,
    NOMAFLOW_RUN_ID: context.runId,
    NOMAFLOW_STEP: context.stepName,
    NOMAFLOW_ATTEMPT: String(context.attempt),
  });
  return Object.assign(env, extra);
}
