import type { StepRunContext } from "./stepType.js";

/**
 * What systemd gives the daemon to talk back to it: a step holding these could tell systemd the
 * daemon is ready or stopping (the unit has NotifyAccess=all).
 */
const DAEMON_ONLY = new Set(["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"]);

/**
 * The environment of a process a step starts: the project's environment (unset variables left
 * out, and the daemon's systemd sockets), then where it runs (NOMAFLOW_JOB_ID, NOMAFLOW_RUN_ID, NOMAFLOW_STEP, NOMAFLOW_ATTEMPT),
 * then `extra` over both.
 */
export function processEnvironment(context: StepRunContext, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(context.env)) if (value !== undefined && !DAEMON_ONLY.has(name)) env[name] = value;
  Object.assign(env, {
    NOMAFLOW_JOB_ID: context.jobId,
    NOMAFLOW_RUN_ID: context.runId,
    NOMAFLOW_STEP: context.stepName,
    NOMAFLOW_ATTEMPT: String(context.attempt),
  });
  return Object.assign(env, extra);
}
