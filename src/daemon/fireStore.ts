/**
 * Where the daemon keeps what it has fired and who is running what (DESIGN 6.3). The scheduler
 * knows only this interface: the local store reads the run logs on disk and keeps its locks in
 * this process (one daemon per project); a PostgreSQL store for several daemons implements the
 * same methods with a table of fires (unique on job and scheduled time) and row or advisory locks.
 *
 * Every method may be asynchronous; the local store answers from memory after `open`.
 */
import type { RunSummary } from "../run-logs/readRunLog.js";

/** What `open` learns about the daemon that ran before this one. */
export interface PreviousDaemon {
  /** The last instant it was known to be running (its last heartbeat or its stop), epoch ms. */
  lastAliveMs: number;
  /** Whether it stopped cleanly (false: killed, or the machine went down). */
  stoppedCleanly: boolean;
}

export interface OpenedFireStore {
  /** Undefined when no daemon ran this project before (or its record is gone). */
  previous: PreviousDaemon | undefined;
}

/** A run left without a final event by a process that is gone (DESIGN 6.2). */
export interface AbandonedRun {
  runId: string;
  jobId: string;
  summary: RunSummary;
  /** When its last event was written: the run died some time after. Null for an empty log. */
  lastEventAt: string | null;
}

/** Held while a `concurrency: forbid` job runs. */
export interface JobLock {
  /** Names the run holding the lock, for whoever is refused it. */
  setRunId(runId: string): void;
  release(): Promise<void>;
}

export type JobLockResult = { acquired: true; lock: JobLock } | { acquired: false; heldBy: string | null };

export interface FireStore {
  /**
   * Takes the store for this daemon and reads what is recorded. The local store refuses a second
   * daemon on the same project (UsageError, exit 2); a shared store admits several.
   * @param jobIds the jobs to read the history of (the project's jobs at start)
   */
  open(jobIds: readonly string[], nowMs: number): Promise<OpenedFireStore>;
  /**
   * The latest scheduled time of the job that was decided, epoch ms: fired (a run log with trigger
   * schedule or catchup says so), skipped because the job was still running, or given up as missed.
   * Undefined when there is none.
   */
  lastScheduledFire(jobId: string): Promise<number | undefined>;
  /**
   * Claims the decision about one scheduled time (and, implicitly, every earlier one) of a job.
   * False when it was already decided, here or by another daemon: the caller must not fire it.
   */
  claimFire(jobId: string, scheduledForMs: number): Promise<boolean>;
  /** The lock a `forbid` job holds while it runs; refused while another run of the job is going. */
  tryLockJob(jobId: string): Promise<JobLockResult>;
  /** A run of the job started, after its fire was claimed (and its lock taken, under forbid). */
  runStarted(jobId: string, runId: string): Promise<void>;
  /** That run ended, whatever its outcome. */
  runFinished(jobId: string, runId: string): Promise<void>;
  /** Runs found without a final event whose process is gone, not yet reported. */
  abandonedRuns(): Promise<AbandonedRun[]>;
  /** Never returned by `abandonedRuns` again, by this daemon or the next. */
  markAbandonedReported(runId: string): Promise<void>;
  /** Called about once a second by the scheduler; stores may persist their record here. */
  heartbeat(nowMs: number): Promise<void>;
  /** Records a clean stop and gives the store up. */
  close(nowMs: number): Promise<void>;
}
