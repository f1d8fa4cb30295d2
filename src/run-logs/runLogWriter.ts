/**
 * Writes one run's log (DESIGN 6.2): `<runsDir>/<jobId>/<runId>.ndjson`, one JSON object a line.
 *
 * Each event is one `write(2)` on a file opened with O_APPEND, so a crash can tear at most the
 * last line and readers (`nomaflow show --follow`, the daemon) never see two events interleaved.
 * Writes are synchronous on purpose: a runner writes a few events per step, a synchronous append
 * of a short line costs microseconds, and the event is on disk (in the page cache) before the
 * runner moves on, so a log never lags behind what happened.
 */
import { close as closeAsync, fsync, open as openCallback, openSync, writeSync } from "node:fs";
import { promisify } from "node:util";
import { join } from "node:path";
import { ConfigError } from "../errors/nomaflowError.js";
import { fileProblem } from "../files/fileProblem.js";
import { makeFolder, makeFolderSync } from "../files/makeFolder.js";
import { FileWorkQueue } from "./fileWorkQueue.js";
import type { RunEvent, UnstampedRunEvent } from "./runEvents.js";

/** Replaces every secret in a text with `***`. */
export type MaskText = (text: string) => string;

/** `open(2)` giving the descriptor itself (a FileHandle closes itself when collected). */
const openAsync = promisify(openCallback);

/** Folders this process created or found, so that starting many runs at once does not ask again. */
const knownFolders = new Set<string>();

/** Creating logs in the background (`openInBackground`). */
const fileWork = new FileWorkQueue();

/**
 * Applies `mask` to every string (keys too) inside a JSON-serialisable value. Returns the value
 * itself when nothing in it changed, so that the common case (no secret in the event) costs no copy.
 */
function maskStrings(value: unknown, mask: MaskText): unknown {
  if (typeof value === "string") return mask(value);
  if (Array.isArray(value)) {
    let items: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const item = maskStrings(value[index], mask);
      if (item !== value[index]) (items ??= [...value])[index] = item;
    }
    return items ?? value;
  }
  if (value !== null && typeof value === "object") {
    for (const key in value) {
      const item = (value as Record<string, unknown>)[key];
      if (mask(key) !== key || maskStrings(item, mask) !== item) return maskEntries(value as Record<string, unknown>, mask);
    }
  }
  return value;
}

/** A masked copy of an object in which something changed. */
function maskEntries(value: Record<string, unknown>, mask: MaskText): Record<string, unknown> {
  const masked: Record<string, unknown> = {};
  for (const key in value) masked[mask(key)] = maskStrings(value[key], mask);
  return masked;
}

/** True when JSON.parse(JSON.stringify(value)) would give an equal value (no undefined, Date, NaN…). */
function isPlainJson(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(isPlainJson);
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key in value) if (!isPlainJson((value as Record<string, unknown>)[key])) return false;
      return true;
    default:
      return false;
  }
}

/** Creates the file, failing if it exists; creates its folder again if it was removed meanwhile. */
function openExclusive(path: string, folder: string): number {
  try {
    return openSync(path, "ax");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    makeFolderSync(folder);
    return openSync(path, "ax");
  }
}

export class RunLogWriter {
  /** Absolute path of the log file. */
  readonly path: string;
  readonly jobId: string;
  readonly runId: string;
  /** Settles when the file exists (at once for `open`); rejects with the ConfigError of `openInBackground`. */
  readonly ready: Promise<void>;
  private readonly mask: MaskText;
  private fd: number | undefined;
  private closed = false;
  /** Lines written before the file was created (`openInBackground`), in order. */
  private pending: string[] | undefined;
  private failed = false;

  private constructor(path: string, fd: number | undefined, jobId: string, runId: string, mask: MaskText, ready?: (writer: RunLogWriter) => Promise<void>) {
    this.path = path;
    this.fd = fd;
    this.jobId = jobId;
    this.runId = runId;
    this.mask = mask;
    if (ready) this.pending = [];
    this.ready = ready ? ready(this) : Promise.resolve();
  }

  /**
   * Like `open`, but the folder and the file are created off the event loop; events written
   * meanwhile are kept and written, in order, once the file exists. For the daemon: when a
   * thousand jobs fire together, each file creation (a tenth of a millisecond or more) would
   * otherwise delay every later fire. A failure rejects `ready` (nothing is written then).
   */
  static openInBackground(runsDir: string, jobId: string, runId: string, mask: MaskText): RunLogWriter {
    const folder = join(runsDir, jobId);
    const path = join(folder, `${runId}.ndjson`);
    const writer = new RunLogWriter(path, undefined, jobId, runId, mask, async (self) => {
      let fd: number;
      try {
        fd = await fileWork.run(async () => {
          if (!knownFolders.has(folder)) {
            await makeFolder(folder);
            knownFolders.add(folder);
          }
          return openAsync(path, "ax");
        });
      } catch (error) {
        self.failed = true;
        self.pending = undefined;
        throw new ConfigError(`cannot create the run log ${path}: ${fileProblem(error)}`, {
          cause: error,
          hint: "runs_dir in nomaflow.yaml (or NOMAFLOW_RUNS_DIR) must be a folder Nomaflow can write to",
        });
      }
      self.fd = fd;
      const lines = self.pending ?? [];
      self.pending = undefined;
      if (lines.length > 0) self.append(lines.join(""));
      if (self.closed) self.release();
    });
    // Whoever needs the file awaits `ready`; a failure nobody awaited is not an unhandled rejection.
    writer.ready.catch(() => {});
    return writer;
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
      if (!knownFolders.has(folder)) {
        makeFolderSync(folder);
        knownFolders.add(folder);
      }
      return new RunLogWriter(path, openExclusive(path, folder), jobId, runId, mask);
    } catch (error) {
      throw new ConfigError(`cannot create the run log ${path}: ${fileProblem(error)}`, {
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
    if (this.closed) throw new Error(`run log ${this.path} is closed`);
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
    const maskedRecord = maskStrings(record, this.mask);
    const structural = JSON.stringify(maskedRecord);
    let line = this.mask(structural);
    let written: RunEvent;
    if (line === structural && maskedRecord === record && isPlainJson(record)) {
      // Nothing was masked and the record is JSON as it is: the line says exactly this.
      written = record as unknown as RunEvent;
    } else {
      try {
        written = JSON.parse(line) as RunEvent;
      } catch {
        line = structural;
        written = JSON.parse(line) as RunEvent;
      }
    }
    if (this.pending) this.pending.push(`${line}\n`);
    else if (!this.failed) this.append(`${line}\n`);
    return written;
  }

  /**
   * Closes the log; later calls do nothing. The flush to disk happens in the background: the
   * events are already written (in the page cache, visible to every reader), and a synchronous
   * fsync would stall every other run of a daemon while the disk catches up.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // A file still being created is closed once it exists and its pending lines are written.
    if (this.fd !== undefined) this.release();
  }

  private release(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    fsync(fd, () => closeAsync(fd, () => {}));
  }

  private append(text: string): void {
    const bytes = Buffer.from(text, "utf8");
    try {
      let offset = 0;
      // One write in practice; a regular file only writes short when the disk fills up.
      while (offset < bytes.length) offset += writeSync(this.fd!, bytes, offset, bytes.length - offset);
    } catch (error) {
      throw new ConfigError(`cannot write the run log ${this.path}: ${fileProblem(error)}`, { cause: error });
    }
  }
}
