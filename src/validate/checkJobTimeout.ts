/**
 * A job's `timeout` against its steps' own: a step whose timeout is not shorter than the job's can
 * never reach it (the job's ends the step first), which usually means one of the two is a typo.
 * `run_if: always` steps are left out: after the job timed out they run on their own timeout only.
 */
import { formatDuration } from "../project/formatDuration.js";
import { parseDuration } from "../project/parseDuration.js";

export interface JobTimeoutFinding {
  path: (string | number)[];
  message: string;
  hint: string;
  severity: "warning";
}

/**
 * @param jobTimeout the job file's `timeout`, else `defaults.timeout` of nomaflow.yaml
 * @param fromDefaults whether it came from `defaults:`, for the message
 */
export function checkJobTimeout(jobTimeout: unknown, fromDefaults: boolean, rawSteps: unknown[]): JobTimeoutFinding[] {
  const jobMs = parseDuration(jobTimeout);
  if (jobMs === undefined) return [];
  const whose = fromDefaults ? "the job's timeout (defaults.timeout in nomaflow.yaml)" : "the job's timeout";
  const findings: JobTimeoutFinding[] = [];
  rawSteps.forEach((raw, index) => {
    if (typeof raw !== "object" || raw === null) return;
    const step = raw as { name?: unknown; timeout?: unknown; run_if?: unknown };
    const stepMs = parseDuration(step.timeout);
    if (stepMs === undefined || stepMs < jobMs || step.run_if === "always") return;
    findings.push({
      path: ["steps", index, "timeout"],
      message: `this step's timeout (${formatDuration(stepMs)}) is not shorter than ${whose}, ${formatDuration(jobMs)}: the job's timeout stops the step first`,
      hint: "shorten the step's timeout, or lengthen the job's",
      severity: "warning",
    });
  });
  return findings;
}
