/**
 * The daemon's side of `runs_retention`: at its first tick, then once an hour, it deletes the run
 * logs each job's retention lets go (as `nomaflow runs prune` does), beside the scheduler's loop
 * rather than in it, so a first sweep over a large backlog does not hold up fires.
 */
import type { RetentionSettings } from "../project/job.js";
import { pruneRunLogs, type PruneResult } from "../run-logs/pruneRunLogs.js";
import type { DaemonLog } from "./daemonLog.js";

export const RETENTION_SWEEP_EVERY_MS = 3_600_000;

export interface RetentionSweepOptions {
  runsDir: string;
  /** The retention of each job's logs, as the project reads now (it changes on reload). */
  retentionOf: () => (jobId: string) => RetentionSettings | undefined;
  log: DaemonLog;
  /** The daemon's clock, epoch ms. */
  now: () => number;
  /** @default RETENTION_SWEEP_EVERY_MS */
  everyMs?: number;
}

export class RetentionSweep {
  readonly #options: RetentionSweepOptions;
  #lastStartMs: number | undefined;
  #going: Promise<void> | undefined;

  constructor(options: RetentionSweepOptions) {
    this.#options = options;
  }

  /** Starts a sweep when one is due and none is going (called every tick). */
  startIfDue(): void {
    const now = this.#options.now();
    const every = this.#options.everyMs ?? RETENTION_SWEEP_EVERY_MS;
    // A wall clock set back makes the next sweep due at once rather than in hours.
    if (this.#going || (this.#lastStartMs !== undefined && now - this.#lastStartMs < every && now >= this.#lastStartMs)) return;
    this.#lastStartMs = now;
    this.#going = this.#sweep(now).finally(() => (this.#going = undefined));
  }

  /** Resolves when the sweep going, if any, has ended. */
  async settled(): Promise<void> {
    await this.#going;
  }

  async #sweep(nowMs: number): Promise<void> {
    const { log } = this.#options;
    let result: PruneResult;
    try {
      result = await pruneRunLogs({ runsDir: this.#options.runsDir, retentionOf: this.#options.retentionOf(), nowMs });
    } catch (error) {
      log.error("prune_failed", null, { error: (error as Error).message });
      return;
    }
    const failed = result.jobs.flatMap((job) => job.failed);
    const going = result.jobs.reduce((sum, job) => sum + job.going.length, 0);
    if (result.removedCount > 0) {
      log.info("runs_pruned", null, {
        removed: result.removedCount,
        bytes: result.removedBytes,
        jobs: result.jobs
          .filter((job) => job.removed.length > 0)
          .map((job) => `${job.jobId}:${job.removed.length}`)
          .join(","),
        kept_going: going || undefined,
      });
    }
    if (failed.length > 0) log.warn("prune_failed", null, { logs: failed.length, error: failed[0]!.error });
  }
}
