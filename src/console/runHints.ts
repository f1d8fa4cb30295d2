/**
 * What to do next about a run or a step that did not succeed, in a line: the run page shows it
 * under the error. Drawn only from what the run's events tell.
 */
import type { RunSummary } from "../run-logs/readRunLog.js";
import type { RunEndReason } from "../run-logs/runEvents.js";
import type { StepView } from "./consoleApi.js";

export function runHint(summary: RunSummary, endReason?: RunEndReason): string | null {
  if (summary.status === "failed" && endReason === "job_timeout") {
    return "the job's timeout (timeout: in its file) stopped it: the step it cut was stopped and the later ones skipped; find why it was slow in its log lines below, or raise the timeout";
  }
  switch (summary.status) {
    case "abandoned":
      return "its process stopped without writing the run's end (killed, out of memory, or its host went down): a step marked failed was cut off and may have done part of its work; the host's system log says why";
    case "interrupted":
      return summary.error?.includes("lease")
        ? "its daemon lost the state store, and stopped the run so that no other daemon runs it at the same time; check the store's reachability from that host"
        : "it was stopped on purpose (Ctrl-C, or its daemon stopping); Run now starts it again from its first step";
    case "failed":
      return summary.failed_step
        ? `step ${summary.failed_step} failed: its error and log lines are below; once the cause is fixed, nomaflow run ${summary.job_id} --resume ${summary.run_id} reruns it from that step (Run now starts over from the first)`
        : "the run failed before its steps: the error says why";
    default:
      return null;
  }
}

export function stepHint(step: StepView, summary: RunSummary): string | null {
  if (step.status === "retrying") return `try ${step.attempt} of ${step.attempts} failed; the next one starts on its own`;
  if (step.status !== "failed") return null;
  if (summary.status === "abandoned" || summary.status === "interrupted") return null;
  if (step.attempts > 1 && step.attempt >= step.attempts) return `failed on all ${step.attempts} tries (retry.attempts in the job file sets how many)`;
  if (step.attempt < step.attempts) return "not tried again: the error is one another try cannot fix";
  return null;
}
