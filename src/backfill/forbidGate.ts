/**
 * `concurrency: forbid` for backfill runs: a run of the job never overlaps another one. Before each
 * of its runs the backfill waits while another run of the job is going — on this host, a run log
 * without its final event whose process is alive (the daemon's runs, `nomaflow run`, another
 * backfill); with `state:`, a run holding the job's lock in the store (any host's daemon) — and
 * then holds the job itself, so the daemon skips a fire due meanwhile as it skips one while its
 * own run goes: on local disk through `<runs_dir>/<job>/.backfill.lock`, with `state:` through the
 * job's row in `job_locks`, which every daemon takes before a forbid run.
 */
import { hostname } from "node:os";
import { setTimeout as sleepFor } from "node:timers/promises";
import { acquireBackfillLock } from "../daemon/backfillLockFile.js";
import { readRunLogEnds } from "../run-logs/runLogEnds.js";
import { processIsAlive, type IsAlive } from "../files/processIsAlive.js";
import { listRunLogs } from "../run-logs/listRuns.js";
import type { StatePool } from "../state/statePool.js";
import { releaseStoreJobLock, takeStoreJobLock } from "./storeJobLock.js";

/** How many of the job's newest logs are looked at for a run going (as the daemon does at start). */
const LOGS_LOOKED_AT = 200;

export interface ForbidGateOptions {
  runsDir: string;
  jobId: string;
  /** The state store, with `state:`. */
  store?: StatePool;
  /** @default processIsAlive */
  isAlive?: IsAlive;
  /** How often a wait looks again. @default 1000 */
  pollMs?: number;
}

export interface HeldJob {
  release(): Promise<void>;
}

export class ForbidGate {
  readonly #options: ForbidGateOptions;
  readonly #isAlive: IsAlive;

  constructor(options: ForbidGateOptions) {
    this.#options = options;
    this.#isAlive = options.isAlive ?? processIsAlive;
  }

  /**
   * Waits until no other run of the job is going, then holds the job for `run`. Undefined when
   * `signal` fired while waiting. `onWaiting` is told the run waited for, each time it changes.
   */
  async acquire(run: { runId: string; scheduledFor: string }, signal: AbortSignal, onWaiting: (heldBy: string) => void): Promise<HeldJob | undefined> {
    let told: string | undefined;
    for (;;) {
      if (signal.aborted) return undefined;
      const outcome = await this.#tryHold(run);
      if ("held" in outcome) return outcome.held;
      if (outcome.heldBy !== told) onWaiting((told = outcome.heldBy));
      try {
        await sleepFor(this.#options.pollMs ?? 1000, undefined, { signal });
      } catch {
        return undefined;
      }
    }
  }

  async #tryHold(run: { runId: string; scheduledFor: string }): Promise<{ held: HeldJob } | { heldBy: string }> {
    const { runsDir, jobId, store } = this.#options;
    // The lock first, then the look for others: a daemon fire at the same moment meets one of the two.
    const file = acquireBackfillLock(runsDir, jobId, run.runId, this.#isAlive);
    if ("heldBy" in file) return { heldBy: file.heldBy };
    const other = this.#otherRunGoing(run.runId);
    if (other !== undefined) {
      file.release();
      return { heldBy: other };
    }
    if (store) {
      let taken: Awaited<ReturnType<typeof takeStoreJobLock>>;
      try {
        taken = await takeStoreJobLock(store, { jobId, runId: run.runId, scheduledFor: run.scheduledFor, host: hostname(), pid: process.pid }, this.#isAlive);
      } catch (error) {
        file.release();
        throw error;
      }
      if (!taken.acquired) {
        file.release();
        return { heldBy: taken.heldBy };
      }
    }
    return {
      held: {
        release: async () => {
          try {
            if (store) await releaseStoreJobLock(store, jobId, run.runId);
          } finally {
            file.release();
          }
        },
      },
    };
  }

  /** A run of the job by another process on this host that is still going. */
  #otherRunGoing(runId: string): string | undefined {
    for (const log of listRunLogs(this.#options.runsDir, this.#options.jobId).slice(0, LOGS_LOOKED_AT)) {
      if (log.runId === runId) continue;
      const ends = readRunLogEnds(log.path);
      if (ends.finished || !ends.started) continue;
      if (this.#isAlive(ends.started.host, ends.started.pid)) return log.runId;
    }
    return undefined;
  }
}
