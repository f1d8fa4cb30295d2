/**
 * Writes run history to the state store (CLUSTER.md): every event the runner emits, for any
 * number of concurrent runs, into `run_events`, and each run's row into `runs`.
 *
 * It never blocks or slows a run. `record` (the runner's `onEvent`) only queues; writes happen in
 * the background, one at a time, a batch every `flushIntervalMs` or as soon as `batchEvents` wait.
 * When the store cannot be reached the events wait, bounded in number and size, and are written
 * when it answers again; events past the bound are dropped and counted in `runs.events_missing`.
 * A run's run_started and final event are kept past the bound (in a reserve of a quarter more),
 * so that its row and timeline still say when it started and how it ended.
 *
 * An event's `seq` is its 0-based line number in its run log: the writer must see every event of
 * a run, from run_started on, in order (as `onEvent` gives them).
 */
import type pg from "pg";
import { FINAL_EVENTS, type RunEvent, type RunFinishedEvent } from "../run-logs/runEvents.js";
import { eventsParameter, historyWriteSql, rowsParameter, runRow, type EventRow, type RunRow, type RunStart } from "./runHistoryBatch.js";
import { storedEventJson, unstorableStub } from "./storedEventJson.js";
import { describeStoreError, isRefusedData, StoreProblems, type ReportStoreProblem } from "./storeProblems.js";

export interface RunHistoryWriterOptions {
  pool: pg.Pool;
  /** The state store's schema, already quoted (`quoteIdentifier`). */
  schema: string;
  /** The daemon whose runs these are (its id in `daemons`); null for a manual `nomaflow run`. */
  daemonId: string | null | (() => string | null);
  /** @default 250 */
  flushIntervalMs?: number;
  /** Most events in one write; as many waiting start a write at once. @default 500 */
  batchEvents?: number;
  /** Most events kept while the store does not answer. @default 20000 */
  maxQueuedEvents?: number;
  /** Most characters of event JSON kept while the store does not answer. @default 67108864 (64 Mi) */
  maxQueuedChars?: number;
  /** An event larger than this (UTF-8 bytes of JSON) is stored cut, marked `nomaflow_truncated`. @default 262144 */
  maxEventBytes?: number;
  /** A write (connecting included) not answered by then is abandoned, its connection closed, and tried again. @default 10000 */
  writeTimeoutMs?: number;
  /** The wait after failed writes doubles from `flushIntervalMs` up to this. @default 5000 */
  maxRetryDelayMs?: number;
  /** Told about store problems (unreachable, events dropped) and recovery, at most once per `problemIntervalMs`. */
  onProblem?: ReportStoreProblem;
  /** @default 60000 */
  problemIntervalMs?: number;
}

/** What the writer has done, for metrics and tests. */
export interface RunHistoryWriterStats {
  /** Statements sent: one per batch, or one per event of a batch the store refused as a whole. */
  writes: number;
  failedWrites: number;
  eventsWritten: number;
  eventsDropped: number;
  queuedEvents: number;
  /** Runs with something not yet written, or still going. */
  runsTracked: number;
}

/** How a flush or close ended. */
export interface FlushOutcome {
  /** Everything recorded is in the store. */
  complete: boolean;
  /** Events still waiting when the deadline came. */
  queuedEvents: number;
  /** Why the last write failed, while the store is failing. */
  lastError: string | null;
}

interface RunTrack {
  runId: string;
  nextSeq: number;
  start: RunStart | undefined;
  final: RunFinishedEvent | undefined;
  /** The final event is in a batch being written (or was dropped): the row may now say how the run ended. */
  finalWritable: boolean;
  queued: number;
  missing: number;
  /** Bumped when the row changes; it needs writing while above `writtenVersion`. */
  version: number;
  writtenVersion: number;
}

interface QueuedEvent {
  track: RunTrack;
  row: EventRow;
  final: boolean;
}

interface Batch {
  items: QueuedEvent[];
  rows: { track: RunTrack; version: number; row: RunRow }[];
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;
/** Most run rows in one write (a burst of thousands of starts goes in several). */
const MAX_ROWS_PER_BATCH = 1000;
/** Finished runs whose row still waits for the store, at most; the oldest are forgotten past it. */
const MAX_WAITING_RUNS = 10_000;

function ignoreIdleError(): void {}

/** `promise`, or a rejection after `ms`; what arrives too late is handed to `late`. */
function within<T>(promise: Promise<T>, ms: number, late?: (value: T) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`the state store did not answer within ${ms / 1000} s`));
    }, ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        if (timedOut) late?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!timedOut) reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export class RunHistoryWriter {
  private readonly pool: pg.Pool;
  private readonly sql: string;
  /** Read at each write: a daemon that rejoined the cluster has a new id. */
  private readonly daemonId: () => string | null;
  private readonly flushIntervalMs: number;
  private readonly batchEvents: number;
  private readonly maxQueuedEvents: number;
  private readonly maxQueuedChars: number;
  private readonly maxEventBytes: number;
  private readonly writeTimeoutMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly problems: StoreProblems;

  private readonly tracks = new Map<string, RunTrack>();
  private readonly dirty = new Set<RunTrack>();
  private queue: QueuedEvent[] = [];
  private head = 0;
  private queuedChars = 0;
  private readonly counts = { writes: 0, failedWrites: 0, eventsWritten: 0, eventsDropped: 0 };

  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private writing = false;
  private failures = 0;
  private lastError: string | null = null;
  private flushing = 0;
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(options: RunHistoryWriterOptions) {
    this.pool = options.pool;
    this.sql = historyWriteSql(options.schema);
    const daemonId = options.daemonId;
    this.daemonId = typeof daemonId === "function" ? daemonId : () => daemonId;
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.batchEvents = options.batchEvents ?? 500;
    this.maxQueuedEvents = options.maxQueuedEvents ?? 20_000;
    this.maxQueuedChars = options.maxQueuedChars ?? 64 * 1024 * 1024;
    this.maxEventBytes = options.maxEventBytes ?? 256 * 1024;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 10_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
    this.problems = new StoreProblems(options.onProblem, options.problemIntervalMs ?? 60_000);
    // A pool reports an idle connection the server or the network dropped as an 'error' event,
    // which ends the process when nobody listens: the store going away must not end the runs.
    // The next write simply connects again.
    this.pool.on("error", ignoreIdleError);
  }

  /** Takes one event as the runner emits it. Synchronous and cheap; never throws. */
  record(event: RunEvent): void {
    if (this.closed) return;
    try {
      this.enqueue(event);
    } catch (error) {
      // A bug here must cost the store an event, never the run its step.
      this.problems.problem(`cannot record event ${String(event?.event)} of run ${String(event?.run_id)}: ${(error as Error).message}`, error);
    }
  }

  /**
   * Waits until everything recorded so far is written, or `timeoutMs` has passed (the store not
   * answering), trying at once rather than at the next interval. Never rejects.
   */
  async flush(timeoutMs = 5_000): Promise<FlushOutcome> {
    if (!this.closed && (this.hasWork() || this.writing)) {
      this.flushing += 1;
      try {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(deadline);
            this.waiters.delete(done);
            resolve();
          };
          // Not unref'd: a process ending with a flush waits for it, up to the deadline.
          const deadline = setTimeout(done, timeoutMs);
          this.waiters.add(done);
          this.schedule(0);
        });
      } finally {
        this.flushing -= 1;
      }
    }
    const queuedEvents = this.queuedEvents();
    return { complete: !this.hasWork() && !this.writing, queuedEvents, lastError: this.lastError };
  }

  /** Flushes (up to `timeoutMs`), then takes no more events and writes no more. */
  async close(timeoutMs = 5_000): Promise<FlushOutcome> {
    const outcome = await this.flush(timeoutMs);
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    return outcome;
  }

  stats(): RunHistoryWriterStats {
    return { ...this.counts, queuedEvents: this.queuedEvents(), runsTracked: this.tracks.size };
  }

  private enqueue(event: RunEvent): void {
    let track = this.tracks.get(event.run_id);
    if (!track) {
      track = {
        runId: event.run_id,
        nextSeq: 0,
        start: undefined,
        final: undefined,
        finalWritable: false,
        queued: 0,
        missing: 0,
        version: 0,
        writtenVersion: 0,
      };
      this.tracks.set(event.run_id, track);
      if (this.tracks.size > MAX_WAITING_RUNS) this.forgetOldestWaiting();
    }
    const seq = track.nextSeq++;
    const final = FINAL_EVENTS.has(event.event);
    if (event.event === "run_started") {
      const { ts, run_id, job_id, host, pid, trigger, scheduled_for } = event;
      track.start = { ts, run_id, job_id, host, pid, trigger, scheduled_for };
      this.changed(track);
    } else if (final) {
      track.final = event as RunFinishedEvent;
    }
    const json = storedEventJson(event, this.maxEventBytes);
    const waiting = this.queue.length - this.head;
    const reserve = final || event.event === "run_started" ? Math.ceil(this.maxQueuedEvents / 4) : 0;
    if (waiting >= this.maxQueuedEvents + reserve || this.queuedChars + json.length > this.maxQueuedChars * (reserve > 0 ? 1.25 : 1)) {
      this.drop(track, final);
      return;
    }
    const ts = ISO_UTC.test(event.ts) ? event.ts : new Date().toISOString();
    this.queue.push({ track, row: { runId: event.run_id, seq, ts, json }, final });
    this.queuedChars += json.length;
    track.queued += 1;
    this.schedule(waiting + 1 >= this.batchEvents ? 0 : this.flushIntervalMs);
  }

  private drop(track: RunTrack, final: boolean): void {
    track.missing += 1;
    if (final) track.finalWritable = true;
    this.changed(track);
    this.counts.eventsDropped += 1;
    this.problems.problem(
      `the state store has not answered for a while: ${this.queuedEvents()} events wait, so events of run ${track.runId} are dropped ` +
        "(counted in runs.events_missing; the run log on its host has them all)",
    );
    this.schedule(this.flushIntervalMs);
  }

  /** The row of `track` needs writing (again). */
  private changed(track: RunTrack): void {
    track.version += 1;
    if (track.start) this.dirty.add(track);
  }

  /** Forgets finished runs with nothing queued (their rows lost) until within MAX_WAITING_RUNS. */
  private forgetOldestWaiting(): void {
    let forgotten = 0;
    for (const track of this.tracks.values()) {
      if (this.tracks.size <= MAX_WAITING_RUNS) break;
      if (track.final === undefined || track.queued > 0) continue;
      this.tracks.delete(track.runId);
      this.dirty.delete(track);
      forgotten += 1;
    }
    if (forgotten > 0) this.problems.problem(`the rows of ${forgotten} finished runs could not be written to the state store and were forgotten`);
  }

  private forgetIfDone(track: RunTrack): void {
    if (track.final !== undefined && track.finalWritable && track.queued === 0 && !this.dirty.has(track)) this.tracks.delete(track.runId);
  }

  private queuedEvents(): number {
    return this.queue.length - this.head;
  }

  private hasWork(): boolean {
    return this.queuedEvents() > 0 || this.dirty.size > 0;
  }

  /** Writes next in `delayMs`, unless a write is going (it schedules the next) or one comes sooner. */
  private schedule(delayMs: number): void {
    if (this.writing || this.closed) return;
    const at = Date.now() + delayMs;
    if (this.timer !== undefined && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    // Unref'd: the writer never keeps a process alive; a flush's deadline does, while it waits.
    this.timer = setTimeout(() => void this.writeNext(), delayMs);
    this.timer.unref();
  }

  private async writeNext(): Promise<void> {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.writing || this.closed) return;
    let delayMs = this.flushIntervalMs;
    if (this.hasWork()) {
      this.writing = true;
      try {
        await this.writeBatch(this.takeBatch());
        if (this.failures > 0) this.problems.recovered(`the state store answers again: run history is written (${this.queuedEvents()} events still wait)`);
        this.failures = 0;
        this.lastError = null;
        if (this.queuedEvents() >= this.batchEvents || this.flushing > 0) delayMs = 0;
      } catch (error) {
        this.failures += 1;
        this.counts.failedWrites += 1;
        this.lastError = describeStoreError(error);
        this.problems.problem(
          `cannot write run history to the state store: ${this.lastError}; ${this.queuedEvents()} events wait and are written when it answers`,
          error,
        );
        delayMs = Math.min(this.maxRetryDelayMs, this.flushIntervalMs * 2 ** Math.min(this.failures - 1, 16));
      } finally {
        this.writing = false;
      }
    }
    if (this.hasWork()) this.schedule(delayMs);
    else for (const done of [...this.waiters]) done();
  }

  private takeBatch(): Batch {
    const items = this.queue.slice(this.head, this.head + this.batchEvents);
    for (const item of items) {
      if (!item.final || item.track.finalWritable) continue;
      item.track.finalWritable = true;
      this.changed(item.track);
    }
    const rows: Batch["rows"] = [];
    for (const track of this.dirty) {
      if (rows.length >= MAX_ROWS_PER_BATCH) break;
      const final = track.finalWritable ? track.final : undefined;
      rows.push({ track, version: track.version, row: runRow(track.start!, final, this.daemonId(), track.missing) });
    }
    return { items, rows };
  }

  private async writeBatch(batch: Batch): Promise<void> {
    try {
      await this.send(
        batch.items.map((item) => item.row),
        batch.rows.map((entry) => entry.row),
      );
    } catch (error) {
      if (!isRefusedData(error)) throw error;
      await this.writeOneByOne(batch, error);
    }
    this.written(batch);
  }

  /**
   * The store refused the batch for its data (a value PostgreSQL cannot take): each event is
   * written alone, and one refused again is stored as a stub saying why (or, refused still,
   * counted missing), so one bad event costs its own content and not its batch's, and never
   * stops the writer.
   */
  private async writeOneByOne(batch: Batch, cause: unknown): Promise<void> {
    for (const item of batch.items) {
      try {
        await this.send([item.row], []);
      } catch (error) {
        if (!isRefusedData(error)) throw error;
        item.row.json = unstorableStub(item.row.json, describeStoreError(error));
        await this.send([item.row], []).catch((again: unknown) => {
          if (!isRefusedData(again)) throw again;
          // Not even its stub: the event is counted missing, as if dropped.
          item.track.missing += 1;
          this.changed(item.track);
        });
      }
    }
    for (const entry of batch.rows) {
      try {
        await this.send([], [entry.row]);
      } catch (error) {
        if (!isRefusedData(error)) throw error;
        this.problems.problem(`the state store refused the row of run ${entry.row.run_id}: ${describeStoreError(error)}`, error);
      }
    }
    this.problems.problem(`the state store refused a batch of run history (${describeStoreError(cause)}); its events were written one by one`, cause);
  }

  private written(batch: Batch): void {
    this.head += batch.items.length;
    for (const item of batch.items) {
      this.queuedChars -= item.row.json.length;
      item.track.queued -= 1;
    }
    // Keep the array from growing without end; copying the rest is rare and short.
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.counts.eventsWritten += batch.items.length;
    for (const { track, version } of batch.rows) {
      track.writtenVersion = Math.max(track.writtenVersion, version);
      if (track.writtenVersion >= track.version) this.dirty.delete(track);
    }
    for (const item of batch.items) this.forgetIfDone(item.track);
    for (const { track } of batch.rows) this.forgetIfDone(track);
  }

  /** One statement on a connection of its own; one that hangs is closed, not left holding the pool. */
  private async send(events: EventRow[], rows: RunRow[]): Promise<void> {
    this.counts.writes += 1;
    const client = await within(this.pool.connect(), this.writeTimeoutMs, (late) => late.release(true));
    let broken = false;
    try {
      await within(client.query(this.sql, [eventsParameter(events), rowsParameter(rows)]), this.writeTimeoutMs);
    } catch (error) {
      broken = !isRefusedData(error);
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
