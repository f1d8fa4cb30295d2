/**
 * Follows a run log as it grows, like `tail -f` that knows when the run is over: for
 * `nomaflow show --follow` and for anything else that watches a live run.
 */
import { watch, type FSWatcher } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { basename } from "node:path";
import { ConfigError } from "../errors/nomaflowError.js";
import { processIsAlive, type IsAlive } from "../files/processIsAlive.js";
import { FINAL_EVENTS, type RunEvent } from "./runEvents.js";
import { runStartedAt } from "../identity/runId.js";

export interface FollowRunLogOptions {
  /** Stops following; the generator returns. */
  signal?: AbortSignal;
  /**
   * How often to look for new lines and check the writer is alive when the file system sends
   * no change notice (network file systems, some containers).
   * @default 200
   */
  pollMs?: number;
  /** @default processIsAlive */
  isAlive?: IsAlive;
  /**
   * A log that still has no run_started this long after the run id's start time (or after
   * following began, for a file not named by a run id) belongs to a process that died starting.
   * @default 10000
   */
  startupGraceMs?: number;
}

const NEWLINE = 0x0a;
const CHUNK_BYTES = 64 * 1024;

/** Reads the complete lines appended since the last call; a line still being written waits. */
class AppendedLines {
  private position = 0;
  // Bytes, not text: a chunk may end inside a multi-byte character.
  private pending: Buffer = Buffer.alloc(0);
  private readonly chunk = Buffer.allocUnsafe(CHUNK_BYTES);

  constructor(private readonly file: FileHandle) {}

  async read(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const { bytesRead } = await this.file.read(this.chunk, 0, CHUNK_BYTES, this.position);
      if (bytesRead === 0) return lines;
      this.position += bytesRead;
      let data = Buffer.concat([this.pending, this.chunk.subarray(0, bytesRead)]);
      let newline = data.indexOf(NEWLINE);
      while (newline !== -1) {
        lines.push(data.toString("utf8", 0, newline));
        data = data.subarray(newline + 1);
        newline = data.indexOf(NEWLINE);
      }
      // Copied so the pending bytes do not alias the reused chunk buffer.
      this.pending = Buffer.from(data);
    }
  }
}

/** Resolves `wait()` on a change notice, after `pollMs`, or on abort, whichever comes first. */
class ChangeWaiter {
  private watcher: FSWatcher | undefined;
  private changed = false;
  private wake: (() => void) | undefined;
  private readonly notify = () => {
    this.changed = true;
    this.wake?.();
  };

  constructor(
    path: string,
    private readonly pollMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    try {
      this.watcher = watch(path, { persistent: false }, this.notify);
      // Without notices the poll still finds new lines, only later.
      this.watcher.on("error", () => this.closeWatcher());
    } catch {
      this.watcher = undefined;
    }
    signal?.addEventListener("abort", this.notify, { once: true });
  }

  wait(): Promise<void> {
    if (this.changed || this.signal?.aborted) {
      this.changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.changed = false;
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      this.wake = done;
    });
  }

  close(): void {
    this.signal?.removeEventListener("abort", this.notify);
    this.closeWatcher();
    this.wake?.();
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}

function parseEvent(line: string): RunEvent | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === "object" && typeof (value as { event?: unknown }).event === "string" ? (value as RunEvent) : undefined;
  } catch {
    // A line that is not an event: skipped, as readRunLog does.
    return undefined;
  }
}

/**
 * Yields the events already in the log at `path`, then each new one as it is appended. Returns
 * after a final event (run_succeeded, run_failed, run_interrupted); when the writing process is
 * gone without one (the run is abandoned: the caller, who has seen no final event, says so); or
 * when `signal` aborts.
 * @throws ConfigError when the log cannot be opened.
 */
export async function* followRunLog(path: string, options: FollowRunLogOptions = {}): AsyncGenerator<RunEvent, void, undefined> {
  const { signal, pollMs = 200, isAlive = processIsAlive, startupGraceMs = 10_000 } = options;
  let file: FileHandle;
  try {
    file = await open(path, "r");
  } catch (error) {
    throw new ConfigError(`cannot read the run log ${path}: ${(error as Error).message}`, { cause: error });
  }
  const lines = new AppendedLines(file);
  const waiter = new ChangeWaiter(path, pollMs, signal);
  const graceFrom = runStartedAt(basename(path, ".ndjson")) ?? Date.now();
  let writer: { host: string; pid: number } | undefined;
  const writerGone = () => (writer ? !isAlive(writer.host, writer.pid) : Date.now() - graceFrom > startupGraceMs);

  try {
    while (!signal?.aborted) {
      // Checked before reading: a writer that appends its final event and exits in between is
      // then still caught by this read.
      const gone = writerGone();
      const events = (await lines.read()).map(parseEvent).filter((event): event is RunEvent => event !== undefined);
      for (const event of events) {
        if (event.event === "run_started") writer = { host: event.host, pid: event.pid };
        yield event;
        if (FINAL_EVENTS.has(event.event) || signal?.aborted) return;
      }
      if (events.length === 0 && gone) return;
      if (events.length === 0) await waiter.wait();
    }
  } finally {
    waiter.close();
    await file.close();
  }
}
