/**
 * Whether a chained job starts for a logical date, from how the runs of the jobs it runs after
 * stand for that date. Pure. The newest run of each job for the date decides; one still going, or
 * a job with no run for the date yet, means wait.
 *
 * - `success`: every job has a run that succeeded.
 * - `failure`: every job's run ended, and at least one did not succeed (failed, interrupted or
 *   abandoned). So once all have ended, exactly one of a `success` and a `failure` branch starts.
 * - `always`: every job's run ended, however.
 */
import type { ChainOutcome } from "../../schema/jobSchema.js";
import type { UpstreamRun } from "./chainStore.js";

export type ChainDecision =
  /** Start it, after these runs (in `after`'s order). */
  | { decision: "start"; runs: UpstreamRun[] }
  /** Not yet: a job has no run for the date, or its run is going. */
  | { decision: "wait"; waitingFor: string[] }
  /** All ended, but not as `on` asks: it does not start for this date. */
  | { decision: "skip"; runs: UpstreamRun[] };

export function chainDecision(after: readonly string[], on: ChainOutcome, latest: ReadonlyMap<string, UpstreamRun>): ChainDecision {
  const waitingFor = after.filter((jobId) => (latest.get(jobId)?.status ?? "running") === "running");
  if (waitingFor.length > 0) return { decision: "wait", waitingFor };
  const runs = after.map((jobId) => latest.get(jobId)!);
  const allSucceeded = runs.every((run) => run.status === "succeeded");
  const starts = on === "always" || (on === "success" ? allSucceeded : !allSucceeded);
  return starts ? { decision: "start", runs } : { decision: "skip", runs };
}
