/**
 * The chain store of one daemon on local disk: the run logs are the record. A job's runs for a
 * logical date are found newest first, down to the first log started before that date (run ids
 * sort by start time, so older logs are never opened); a chained job's logical date was fired when
 * one of its logs says trigger `chain` for it. Runs that end without this daemon (`nomaflow run`,
 * `backfill`) are noticed by looking at the jobs' folders: listed again only when one changed (a
 * new log), and the logs of runs still going re-read from their ends until each has ended.
 */
import { statSync } from "node:fs";
import { hostname } from "node:os";
import { processIsAlive, type IsAlive } from "../../files/processIsAlive.js";
import { runStartedAt } from "../../identity/runId.js";
import { listRunLogs, type RunLogEntry } from "../../run-logs/listRuns.js";
import type { RunEventName } from "../../run-logs/runEvents.js";
import type { JobLockResult, LockRequest } from "../fireStore.js";
import { readRunLogEnds, type RunLogEnds } from "../../run-logs/runLogEnds.js";
import type { ChainClaim, ChainClaimOutcome, ChainRunStatus, ChainStore, EndedRun, UpstreamRun } from "./chainStore.js";

export interface LocalChainStoreOptions {
  runsDir: string;
  /** The local fire store's job locks, taken for a chained `forbid` job as for a scheduled one. */
  tryLockJobs: (requests: readonly LockRequest[]) => Promise<JobLockResult[]>;
  /** @default processIsAlive */
  isAlive?: IsAlive;
  /** This daemon's pid: its own runs are reported by the scheduler, not found here. @default process.pid */
  pid?: number;
  /** The first look back also takes in runs that started this long before `sinceMs` and ended after it. @default 1 day */
  longestRunMs?: number;
}

/** A log seen without its final event: looked at again until it has one. */
interface Going {
  log: RunLogEntry;
  /** When its log was first seen without run_started (a run just starting). */
  firstSeenMs: number;
}

const FINAL_STATUS: Partial<Record<RunEventName, ChainRunStatus>> = {
  run_succeeded: "succeeded",
  run_failed: "failed",
  run_interrupted: "interrupted",
};

/** Most logs of one job looked at in one listing (the first one, at start-up, may find a day's worth). */
const FIRST_LOOK_LIMIT = 1_000;
/** How much later than a newer one a log may be created (its run id made first, its file a little after). */
const LATE_LOG_MS = 10_000;
/** Chained logical dates remembered; an older one is looked up in the logs again. */
const FIRED_REMEMBERED = 10_000;

/** A log still without run_started this long after it was first seen is given up (its run died as it began). */
const STARTING_GIVE_UP_MS = 60_000;

export class LocalChainStore implements ChainStore {
  readonly #options: Required<LocalChainStoreOptions>;
  readonly #host = hostname();
  /** `job\0logical date ms` of chained runs fired, found in the logs or claimed here. */
  readonly #fired = new Set<string>();
  /** Per job: its folder's change time when it was last listed, and the start of the newest log then. */
  readonly #listedAt = new Map<string, { changedMs: number; newestMs: number }>();
  /** Logs already looked at, by run id, with their job and start (epoch ms); forgotten once no listing reaches them. */
  readonly #examined = new Map<string, { jobId: string; startedMs: number }>();
  readonly #going = new Map<string, Going>();

  constructor(options: LocalChainStoreOptions) {
    this.#options = {
      isAlive: processIsAlive,
      pid: process.pid,
      longestRunMs: 86_400_000,
      ...options,
    };
  }

  async latestRunsFor(jobIds: readonly string[], atMs: number): Promise<Map<string, UpstreamRun>> {
    const found = new Map<string, UpstreamRun>();
    for (const jobId of jobIds) {
      for (const log of this.#logsSince(jobId, atMs)) {
        const ends = readRunLogEnds(log.path);
        if (!ends.started || Date.parse(ends.started.scheduled_for ?? "") !== atMs) continue;
        found.set(jobId, { jobId, runId: log.runId, status: this.#status(ends) });
        break;
      }
    }
    return found;
  }

  async endedElsewhere(jobIds: readonly string[], sinceMs: number): Promise<EndedRun[]> {
    const ended: EndedRun[] = [];
    const now = Date.now();
    for (const jobId of jobIds) {
      const changedMs = folderChangedMs(this.#options.runsDir, jobId);
      const listed = this.#listedAt.get(jobId);
      if (listed?.changedMs === changedMs) continue;
      // Newest first, down to the newest log of the last listing (with a margin: a log whose run
      // id was made a moment before another's may be created after it), or the catch-up window.
      const stopBelow = listed ? listed.newestMs - LATE_LOG_MS : sinceMs - this.#options.longestRunMs;
      const logs = listRunLogs(this.#options.runsDir, jobId);
      let taken = 0;
      for (const log of logs) {
        const startedMs = runStartedAt(log.runId) ?? 0;
        if (startedMs < stopBelow || taken >= FIRST_LOOK_LIMIT) break;
        if (this.#examined.has(log.runId)) continue;
        taken++;
        this.#examined.set(log.runId, { jobId, startedMs });
        this.#going.set(log.runId, { log, firstSeenMs: now });
      }
      const newestMs = logs[0] ? (runStartedAt(logs[0].runId) ?? 0) : 0;
      this.#listedAt.set(jobId, { changedMs, newestMs: Math.max(newestMs, listed?.newestMs ?? 0) });
    }
    this.#forgetExamined();
    for (const [runId, going] of this.#going) {
      const ends = readRunLogEnds(going.log.path);
      const started = ends.started;
      if (!started) {
        if (now - going.firstSeenMs > STARTING_GIVE_UP_MS) this.#going.delete(runId);
        continue;
      }
      // This daemon's own runs: the scheduler tells of their ends as they happen.
      if (started.host === this.#host && started.pid === this.#options.pid) {
        this.#going.delete(runId);
        continue;
      }
      const status = this.#status(ends);
      if (status === "running") continue;
      this.#going.delete(runId);
      const endedMs = status === "abandoned" ? now : Date.parse(ends.lastEventAt ?? "") || now;
      if (endedMs < sinceMs) continue;
      ended.push({ jobId: going.log.jobId, runId, scheduledFor: started.scheduled_for, status, endedMs });
    }
    return ended;
  }

  async claimChain(claim: ChainClaim): Promise<ChainClaimOutcome> {
    const key = `${claim.jobId}\u0000${claim.scheduledForMs}`;
    if (this.#fired.has(key) || this.#firedInLogs(claim.jobId, claim.scheduledForMs)) {
      this.#remember(key);
      return { outcome: "taken" };
    }
    let lock: ChainClaimOutcome & { outcome: "claimed" } = { outcome: "claimed", lock: undefined };
    if (claim.forbid) {
      const [result] = await this.#options.tryLockJobs([{ jobId: claim.jobId, runId: claim.runId }]);
      if (!result?.acquired) return { outcome: "busy", heldBy: result?.heldBy ?? null };
      lock = { outcome: "claimed", lock: result.lock };
    }
    this.#remember(key);
    return lock;
  }

  #remember(key: string): void {
    this.#fired.add(key);
    if (this.#fired.size > FIRED_REMEMBERED) this.#fired.delete(this.#fired.values().next().value!);
  }

  /** Forgets the logs looked at that no listing reaches again (older than their job's newest, less the margin). */
  #forgetExamined(): void {
    if (this.#examined.size <= FIRST_LOOK_LIMIT) return;
    for (const [runId, { jobId, startedMs }] of this.#examined) {
      if (startedMs < (this.#listedAt.get(jobId)?.newestMs ?? 0) - LATE_LOG_MS) this.#examined.delete(runId);
    }
  }

  /** Whether a log of the job says a chained run for that logical date started. */
  #firedInLogs(jobId: string, atMs: number): boolean {
    return this.#logsSince(jobId, atMs).some((log) => {
      const started = readRunLogEnds(log.path).started;
      return started?.trigger === "chain" && Date.parse(started.scheduled_for ?? "") === atMs;
    });
  }

  /** The job's logs newest first, down to the last one started at or after `atMs`. */
  #logsSince(jobId: string, atMs: number): RunLogEntry[] {
    const logs = listRunLogs(this.#options.runsDir, jobId);
    const stop = logs.findIndex((log) => (runStartedAt(log.runId) ?? 0) < atMs);
    return stop < 0 ? logs : logs.slice(0, stop);
  }

  #status(ends: RunLogEnds): ChainRunStatus {
    if (ends.final) return FINAL_STATUS[ends.final] ?? "failed";
    const started = ends.started;
    return started && !this.#options.isAlive(started.host, started.pid) ? "abandoned" : "running";
  }
}

/** When the job's folder last changed (a log added or removed); 0 while it does not exist. */
function folderChangedMs(runsDir: string, jobId: string): number {
  try {
    return statSync(`${runsDir}/${jobId}`).mtimeMs;
  } catch {
    return 0;
  }
}
