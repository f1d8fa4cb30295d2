/** What the scheduler hands to whoever starts runs, and what it gets back. */
import type { Job } from "../project/job.js";
import type { Project } from "../project/loadProject.js";
import type { ChainedAfterRun } from "../run-logs/runEvents.js";
import type { LogicalDate } from "../runner/logicalDate.js";

/** A job with the project it was validated against (a kept old version keeps its old project). */
export interface DaemonJob {
  job: Job;
  project: Project;
}

export interface LaunchRequest {
  daemonJob: DaemonJob;
  /** Made by the scheduler before the run starts, so a job lock can name the run. */
  runId: string;
  /** `manual`: Run now in the console the daemon serves; `chain`: after the runs a job's trigger.after names. */
  trigger: "schedule" | "catchup" | "recovery" | "manual" | "chain";
  /** ISO 8601 in the job's zone, as run_started records it; null for the recovery of a manual run. */
  scheduledFor: string | null;
  /** The same instant, epoch ms. */
  scheduledForMs: number | null;
  /** For a recovery run: the abandoned run it reruns. */
  recoveryOf?: string;
  /** For a chained run: its logical date whole (the interval of the runs it follows). */
  logicalDate?: LogicalDate;
  /** For a chained run: the runs it follows. */
  afterRuns?: ChainedAfterRun[];
  /** Typed, with defaults filled in (see parseParams); default: the job's defaults (a scheduled run has no other). */
  params?: Record<string, unknown>;
}

export interface RunOutcome {
  status: "succeeded" | "failed" | "interrupted";
  durationMs: number;
}

export interface LaunchedRun {
  runId: string;
  /** Its logical date as run_started records it (a manual run's is worked out as it starts). */
  scheduledFor?: string;
  result: Promise<RunOutcome>;
}

/** Starts a run (synchronously up to its run_started event); throws when it cannot start. */
export type LaunchRun = (request: LaunchRequest) => LaunchedRun;
