/**
 * Where the daemon keeps what it has fired and who is running what. The scheduler knows only this
 * interface: the local store reads the run logs on disk and keeps its locks in this process (one
 * daemon per project); the cluster store (cluster/clusterFireStore.ts) keeps them in PostgreSQL
 * for several daemons: a table of fires unique on job and scheduled time, a table of job locks,
 * and a lease per daemon.
 *
 * Calls that the scheduler makes for many fires at once take lists, so a tick costs one statement
 * whatever the number of jobs due. The local store answers from memory after `open`.
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
  release(): Promise<void>;
}

export type JobLockResult = { acquired: true; lock: JobLock } | { acquired: false; heldBy: string | null };

/** One scheduled time of one job. */
export interface FireClaim {
  jobId: string;
  scheduledForMs: number;
  /**
   * The run this fire starts if it is claimed (absent for a fire that is only decided: missed).
   * The store records it as started in the same step as the claim, so a daemon that dies right
   * after leaves a run to report abandoned and rerun, not a fire nobody runs.
   */
  run?: RunToStart;
}

/** A run a claim starts. */
export interface RunToStart {
  runId: string;
  trigger: "schedule" | "catchup";
  /** ISO 8601 with the job zone's offset, as run_started records it. */
  scheduledFor: string;
  /** `concurrency: forbid`: the job's lock is taken with the claim, and the run starts only if it is. */
  forbid: boolean;
}

/** What the store says of one claim. */
export interface ClaimOutcome {
  claimed: boolean;
  /** For a claimed fire whose run is `forbid`: the job's lock, or who holds it (the run does not start). */
  lock?: JobLockResult;
  /**
   * The job's latest scheduled time decided before this claim (by any daemon), epoch ms; undefined
   * when none is recorded. Fires between it and the claimed one were decided elsewhere if it is
   * later than this daemon knew: they are not this daemon's to report missed.
   */
  previousMs: number | undefined;
}

/** A run about to start under `concurrency: forbid`: the lock names it for whoever is refused. */
export interface LockRequest {
  jobId: string;
  runId: string;
}

/** A run of this daemon, as the store records it. */
export interface StartedRun {
  jobId: string;
  runId: string;
  trigger: string;
  scheduledFor: string | null;
  /** For a recovery run: the abandoned run it reruns. */
  recoveryOf?: string;
}

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
   * Claims the decision about each scheduled time (and, implicitly, every earlier one of its job),
   * all in one go. False where it was already decided, here or by another daemon: the caller must
   * not fire it. Rejects when the store cannot be reached: nothing was claimed.
   */
  claimFires(fires: readonly FireClaim[]): Promise<ClaimOutcome[]>;
  /**
   * Whether this daemon claims the fire as soon as it is due. False for a fire that is another
   * live daemon's share: this one claims it only if it is still free a moment later (the
   * scheduler's hand-off), so due fires spread over the daemons. The local store: always true.
   */
  claimsFirst(fire: FireClaim): boolean;
  /** False while this daemon must claim nothing: the store is unreachable, or its lease is lost. */
  readonly claiming: boolean;
  /** The locks `forbid` jobs hold while they run, one per request; refused while another run of the job is going. */
  tryLockJobs(requests: readonly LockRequest[]): Promise<JobLockResult[]>;
  /** A run started, after its fire was claimed (and its lock taken, under forbid); a recovery run too. */
  runStarted(run: StartedRun): Promise<void>;
  /** That run ended (its lock, if any, released before): `status` is its outcome. */
  runFinished(jobId: string, runId: string, status: "succeeded" | "failed" | "interrupted"): Promise<void>;
  /** Runs found without a final event whose process is gone, not yet reported. */
  abandonedRuns(): Promise<AbandonedRun[]>;
  /** Never returned by `abandonedRuns` again, by this daemon or the next. */
  markAbandonedReported(runId: string): Promise<void>;
  /**
   * Takes the one rerun of an abandoned run (`on_abandoned: rerun`): true once, for one daemon,
   * whatever the number of daemons that see the run abandoned.
   */
  claimRecovery(runId: string): Promise<boolean>;
  /** Called about once a second by the scheduler; stores may persist their record here. */
  heartbeat(nowMs: number): Promise<void>;
  /** Records a clean stop and gives the store up. */
  close(nowMs: number): Promise<void>;
}
