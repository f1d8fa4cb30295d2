/**
 * This host's runs for the console, from the run logs under runs_dir. A job's runs are listed from
 * its folder (run ids sort by start), again only when the folder changed; a run's digest is read
 * from its log once it has ended and kept (an ended log never changes), so a catalogue of 1,000 jobs
 * with 30 runs each reads 30,000 logs once, then only the new ones and those still running. The
 * first read is done in slices that yield to the event loop: in a daemon, fires wait for no page.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { processIsAlive, type IsAlive } from "../files/processIsAlive.js";
import { listRunLogs, type RunLogEntry } from "../run-logs/listRuns.js";
import { readRunSummary } from "../run-logs/readRunLog.js";
import { digestOfSummary, isFinal, type RunDigest } from "./runDigest.js";

/** Digests kept at most; past it the cache starts again (a project with more is read again over time). */
const MAX_KEPT = 200_000;
/** Work done between two yields to the event loop while reading many logs. */
const SLICE_MS = 15;

interface Kept {
  digest: RunDigest;
  /** Size of the log when read: an abandoned run is read again when it grew. */
  size: number;
}

interface Listing {
  runsDir: string;
  /** The folder's modification time: a log added or removed changes it. */
  mtimeMs: number;
  entries: RunLogEntry[];
}

export class LocalRunIndex {
  readonly #kept = new Map<string, Kept>();
  readonly #paths = new Map<string, string>();
  readonly #listings = new Map<string, Listing>();
  readonly #isAlive: IsAlive;

  constructor(isAlive: IsAlive = processIsAlive) {
    this.#isAlive = isAlive;
  }

  /** The newest `limit` runs of a job, newest first. */
  runsOf(runsDir: string, jobId: string, limit: number): RunDigest[] {
    return this.#list(runsDir, jobId)
      .slice(0, limit)
      .map((entry) => this.#digest(entry));
  }

  /** The newest `limit` runs of each job, newest first, read yielding to the event loop as it goes. */
  async recentRuns(runsDir: string, jobIds: readonly string[], limit: number): Promise<Map<string, RunDigest[]>> {
    const runs = new Map<string, RunDigest[]>();
    let sliceStart = performance.now();
    for (const jobId of jobIds) {
      const digests: RunDigest[] = [];
      for (const entry of this.#list(runsDir, jobId).slice(0, limit)) {
        digests.push(this.#digest(entry));
        if (performance.now() - sliceStart > SLICE_MS) {
          await yieldToLoop();
          sliceStart = performance.now();
        }
      }
      runs.set(jobId, digests);
    }
    return runs;
  }

  /** Where run `runId`'s log is, when this index has seen it. */
  pathOf(runId: string): string | undefined {
    return this.#paths.get(runId);
  }

  #list(runsDir: string, jobId: string): RunLogEntry[] {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(join(runsDir, jobId)).mtimeMs;
    } catch {
      // No folder: the job has not run (or its id is not a folder name).
      this.#listings.delete(jobId);
      return [];
    }
    const listed = this.#listings.get(jobId);
    if (listed && listed.runsDir === runsDir && listed.mtimeMs === mtimeMs) return listed.entries;
    const entries = listRunLogs(runsDir, jobId);
    this.#listings.set(jobId, { runsDir, mtimeMs, entries });
    return entries;
  }

  #digest(entry: RunLogEntry): RunDigest {
    const kept = this.#kept.get(entry.path);
    if (kept && isFinal(kept.digest.status)) return kept.digest;
    const size = kept?.digest.status === "abandoned" ? sizeOf(entry.path) : -1;
    if (kept && size >= 0 && size === kept.size) return kept.digest;
    let digest: RunDigest;
    try {
      digest = digestOfSummary(readRunSummary(entry.path, this.#isAlive));
    } catch {
      // Removed between the listing and the read (runs_retention): shown as the id tells it, not kept.
      return {
        runId: entry.runId,
        jobId: entry.jobId,
        status: "abandoned",
        trigger: "unknown",
        startedAt: "",
        durationMs: null,
        rows: null,
        host: null,
        slowestStep: null,
        resumeOf: null,
      };
    }
    if (this.#kept.size >= MAX_KEPT) {
      this.#kept.clear();
      this.#paths.clear();
    }
    this.#kept.set(entry.path, { digest, size: digest.status === "abandoned" ? sizeOf(entry.path) : -1 });
    this.#paths.set(entry.runId, entry.path);
    return digest;
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}
