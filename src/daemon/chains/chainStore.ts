/**
 * What the daemon asks of its store to fire chained jobs (`trigger: { after, on }`): how the runs
 * of the jobs named in `after` stand for one logical date, which of their runs ended elsewhere
 * (by hand, or on another daemon), and the claim of a chained job's logical date, so that it
 * runs once. The local store reads the run logs (localChainStore.ts); with `state:` the cluster
 * store asks PostgreSQL (cluster/chainClaims.ts), where the claim is a row of `fires`.
 */
import type { JobLock } from "../fireStore.js";

/** How a run stands; every status but `running` is an end. */
export type ChainRunStatus = "running" | "succeeded" | "failed" | "interrupted" | "abandoned";
export type EndedStatus = Exclude<ChainRunStatus, "running">;

/** The newest run of a job for a logical date. */
export interface UpstreamRun {
  jobId: string;
  runId: string;
  status: ChainRunStatus;
}

/** A run that ended: one of this daemon's, or one found in the run logs or the store. */
export interface EndedRun {
  jobId: string;
  runId: string;
  /** Its logical date (ISO 8601 with offset); null in logs older than logical dates. */
  scheduledFor: string | null;
  status: EndedStatus;
  /** When it ended (its last event, or when it was found abandoned), epoch ms. */
  endedMs: number;
}

/** The claim of one logical date of a chained job, with the run it starts. */
export interface ChainClaim {
  jobId: string;
  scheduledForMs: number;
  runId: string;
  /** ISO 8601 with the offset, as run_started records it. */
  scheduledFor: string;
  /** `concurrency: forbid`: claimed only with the job's lock, and only while no other run of the job goes. */
  forbid: boolean;
}

export type ChainClaimOutcome =
  | { outcome: "claimed"; lock: JobLock | undefined }
  /** The logical date was fired before, here or on another daemon: never again. */
  | { outcome: "taken" }
  /** `forbid`, and another run of the job is going: nothing claimed, try again when it ends. */
  | { outcome: "busy"; heldBy: string | null };

export interface ChainStore {
  /**
   * For each job, its newest run whose logical date is `atMs` and that started at or after it (a
   * run started before its logical date, a `run --for` of a time still to come, is not looked at).
   * A job without one is absent.
   */
  latestRunsFor(jobIds: readonly string[], atMs: number): Promise<Map<string, UpstreamRun>>;
  /**
   * Runs of `jobIds` that ended since the previous call and that this daemon did not start: by
   * hand (`nomaflow run`, `backfill`), by a previous daemon, or by another daemon of the cluster.
   * The first call looks back to `sinceMs` (the daemon's catch-up window).
   */
  endedElsewhere(jobIds: readonly string[], sinceMs: number): Promise<EndedRun[]>;
  /** Claims a chained job's logical date, once for the whole project (every daemon, every restart). */
  claimChain(claim: ChainClaim): Promise<ChainClaimOutcome>;
}
