/**
 * This host's runs for the console, from the run logs under runs_dir. Listing a job's runs reads
 * its folder only (run ids sort by start); a run's digest is read from its log once it has ended
 * and kept (an ended log never changes), so a catalogue of 1,000 jobs with 30 runs each reads
 * 30,000 logs once, then only the new ones and those still running.
 */
import { statSync } from "node:fs";
import { processIsAlive, type IsAlive } from "../files/processIsAlive.js";
import { listRunLogs, type RunLogEntry } from "../run-logs/listRuns.js";
import { readRunSummary } from "../run-logs/readRunLog.js";
import { digestOfSummary, isFinal, type RunDigest } from "./runDigest.js";

/** Digests kept at most; past it the cache starts again (a project with more is read again over time). */
const MAX_KEPT = 200_000;

interface Kept {
  digest: RunDigest;
  /** Size of the log when read: an abandoned run is read again when it grew. */
  size: number;
}

export class LocalRunIndex {
  readonly #kept = new Map<string, Kept>();
  readonly #paths = new Map<string, string>();
  readonly #isAlive: IsAlive;

  constructor(isAlive: IsAlive = processIsAlive) {
    this.#isAlive = isAlive;
  }

  /** The newest `limit` runs of a job, newest first. */
  runsOf(runsDir: string, jobId: string, limit: number): RunDigest[] {
    return listRunLogs(runsDir, jobId)
      .slice(0, limit)
      .map((entry) => this.#digest(entry));
  }

  /** Where run `runId`'s log is, when this index has seen it. */
  pathOf(runId: string): string | undefined {
    return this.#paths.get(runId);
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
