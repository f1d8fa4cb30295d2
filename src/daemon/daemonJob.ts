/** What the scheduler hands to whoever starts runs, and what it gets back. */
import type { Job } from "../project/job.js";
import type { Project } from "../project/loadProject.js";

/** A job with the project it was validated against (a kept old version keeps its old project). */
export interface DaemonJob {
  job: Job;
  project: Project;
}

export interface LaunchRequest {
  daemonJob: DaemonJob;
  trigger: "schedule" | "catchup";
  scheduledForMs: number;
  /** ISO 8601 in the job's zone, as run_started records it. */
  scheduledFor: string;
}

export interface RunOutcome {
  status: "succeeded" | "failed" | "interrupted";
  durationMs: number;
}

export interface LaunchedRun {
  runId: string;
  result: Promise<RunOutcome>;
}

/** Starts a run (synchronously up to its run_started event); throws when it cannot start. */
export type LaunchRun = (request: LaunchRequest) => LaunchedRun;
