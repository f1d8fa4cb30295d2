/**
 * Writes one run's log (DESIGN 6.2): `<runsDir>/<jobId>/<runId>.ndjson`, one JSON object a line.
 *
 * Each event is one `write(2)` on a file opened with O_APPEND, so a crash can tear at most the
 * last line and readers (`nomaflow show --follow`, the daemon) never see two events interleaved.
 * Writes are synchronous on purpose: a runner writes a few events per step, a synchronous append
 * of a short line costs microseconds, and the event is on disk (in the page cache) before the
 * runner moves on, so a log never lags behind what happened.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../errors.js";
import type { RunEvent, UnstampedRunEvent } from "./runEvents.js";

/** Replaces every secret in a text with `***`. */
export type MaskText = (text: string) => string;

/** Applies `mask` to every string (keys too) inside a JSON-serialisable value. */
function maskStrings(value: unknown, mask: MaskText): unknown {
  if (typeof value === "string") return mask(value);
  if (Array.isArray(value)) return value.map((item) => maskStrings(item, mask));
  if (value !== null && typeof value === "object") {
    const masked: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) masked[mask(key)] = maskStrings(item, mask);
    return masked;
  }
  return value;
}

export class RunLogWriter {
  /** Absolute path of the log file. */
  readonly path: string;
  readonly jobId: string;
  readonly runId: string;
  private readonly mask: MaskText;
  private fd: number | undefined;

  private constructor(path: string, fd: number, jobId: string, runId: string, mask: MaskText) {
    this.path = path;
    this.fd = fd;
    this.jobId = jobId;
    this.runId = runId;
    this.mask = mask;
  }

  /**
   * Creates `<runsDir>/<jobId>/<runId>.ndjson` (and its folders). The file must not exist yet:
   * a log is never reopened or shared, even by two runs that drew the same id.
   * @throws ConfigError when the folder or the file cannot be created.
   */
  static open(runsDir: string, jobId: string, runId: string, mask: MaskText): RunLogWriter {
    const folder = join(runsDir, jobId);
    const path = join(folder, `${runId}.ndjson`);
    try {
      mkdirSync(folder, { recursive: true });
      return new RunLogWriter(path, openSync(path, "ax"), jobId, runId, mask);
    } catch (error) {
      throw new ConfigError(`cannot create the run log ${path}: ${(error as Error).message}`, {
        cause: error,
        hint: "runs_dir in nomaflow.yaml (or NOMAFLOW_RUNS_DIR) must be a folder Nomaflow can write to",
      });
    }
  }

  /**
   * Appends one event as one line, stamped with `ts` (ISO 8601 UTC with milliseconds), `run_id`
   * and `job_id`; the keys start `ts, event, run_id, job_id`. Secrets are masked in the whole
   * line. Returns the event exactly as written.
   * @throws ConfigError when the line cannot be written (disk full, file system gone).
   */
  write(event: UnstampedRunEvent, now: Date = new Date()): RunEvent {
    if (this.fd === undefined) throw new Error(`run log ${this.path} is closed`);
    const ts = now.toISOString();
    // The first four keys are placed first so every line starts the same way (readers rely on
    // it to skip log events cheaply); assigning an existing key keeps its place.
    const record: Record<string, unknown> = { ts, event: event.event, run_id: this.runId, job_id: this.jobId };
    Object.assign(record, event);
    // A caller that passes an already stamped event must not override the stamps.
    record.ts = ts;
    record.run_id = this.runId;
    record.job_id = this.jobId;

    // Masking each string before serialising catches secrets that JSON would escape (a password
    // with a quote or a backslash); masking the whole line afterwards catches anything else, and
    // is what the log's readers rely on. A mask that breaks the JSON (a secret such as `1`
    // matching inside a number) falls back to the structural mask alone, so a line always parses.
    const structural = JSON.stringify(maskStrings(record, this.mask));
    let line = this.mask(structural);
    let written: RunEvent;
    try {
      written = JSON.parse(line) as RunEvent;
    } catch {
      line = structural;
      written = JSON.parse(line) as RunEvent;
    }
    this.append(`${line}\n`);
    return written;
  }

  /** Flushes the log to disk and closes it; later calls do nothing. */
  close(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private append(text: string): void {
    const bytes = Buffer.from(text, "utf8");
    try {
      let offset = 0;
      // One write in practice; a regular file only writes short when the disk fills up.
      while (offset < bytes.length) offset += writeSync(this.fd!, bytes, offset, bytes.length - offset);
    } catch (error) {
      throw new ConfigError(`cannot write the run log ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }
}
