/**
 * The worker threads where node callables run. A thread starts in tens of milliseconds and holds
 * its own heap, so there are few of them, started when first needed, each running many callables
 * at once; a call goes to the least busy one. An idle thread never keeps the process alive.
 *
 * A callable given up on (past its timeout and grace) cannot be stopped alone: its thread takes
 * no more calls. If the thread answered the ping sent when the call was aborted, it is waiting,
 * not busy: its other calls may finish, then it is stopped. If it did not, a loop is holding it:
 * it is stopped at once, and its other calls fail with an error that says why (retryable).
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { StepError } from "../../errors/nomaflowError.js";
import type { LogLevel, StepOutput } from "../stepType.js";
import { toWireError, type CallFailure, type CallInput, type CallRequest, type ContextRequest, type FromWorker, type ToWorker } from "./nodeWorkerProtocol.js";

/** What a call's context asks of Nomaflow. */
export interface CallHost {
  log(level: LogLevel, message: string): void;
  request(request: ContextRequest): Promise<unknown>;
}

export type CallOutcome = { ok: true; output: StepOutput } | { ok: false; failure: CallFailure };

export interface PoolCall {
  /** What the function returned or threw; rejects with a StepError when its thread stopped. */
  result: Promise<CallOutcome>;
  /** Aborts the function's `ctx.signal`, and pings its thread. */
  abort(message: string, retryable: boolean): void;
  /** The function is given up on; `who` names its step in the messages of the calls stopped with it. */
  abandon(who: string): void;
}

interface PendingCall {
  host: CallHost;
  resolve(outcome: CallOutcome): void;
  reject(error: Error): void;
}

/**
 * The young generation of each thread, where short-lived objects go. V8 grows it to 16 MB or more
 * in a burst of calls (a daemon firing a thousand node steps) and keeps it; node functions are
 * mostly glue around queries, which a small one serves as well, with smaller collections.
 */
const YOUNG_GENERATION_MB = 3;
/** A thread that has not answered a ping for this long is busy: calls go to another (a new one if there is room). */
const BUSY_MS = 100;
/** A call given up on in a thread that has not answered a ping for this long stops the thread at once. */
const STUCK_MS = 1000;
/** While calls are sent to a thread, it is pinged at most this often. */
const PING_EVERY_MS = 50;

class PooledWorker {
  readonly worker: Worker;
  readonly calls = new Map<number, PendingCall>();
  /** Calls not given up on: while there are any, the thread keeps the process alive. */
  active = 0;
  retired = false;
  stopped = false;
  /** When the oldest ping not answered yet was sent. */
  pingedAt: number | undefined;
  #lastPong = 0;
  /** The environment the thread holds, from the last call that sent it. */
  #env: CallInput["ctx"]["env"] | undefined;

  constructor(
    file: string,
    readonly onStop: (worker: PooledWorker) => void,
  ) {
    this.worker = new Worker(file, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    this.worker.unref();
    this.worker.on("message", (message: FromWorker) => this.#receive(message));
    this.worker.on("error", (error) =>
      this.stop(
        `the worker thread running this function stopped: ${error.message} (an error no call caught, thrown in a timer or an event handler, stops its thread)`,
      ),
    );
    this.worker.on("exit", (code) => this.stop(`the worker thread running this function exited (code ${code}; does a node function call process.exit?)`));
  }

  post(message: ToWorker): void {
    if (!this.stopped) this.worker.postMessage(message);
  }

  add(id: number, call: PendingCall, { ctx: { env, ...ctx }, ...input }: CallInput): void {
    // Throws first (DataCloneError) for arguments structured clone cannot copy.
    const request: CallRequest = { t: "call", id, ...input, ctx };
    if (env !== this.#env) request.env = env;
    this.post(request);
    this.#env = env;
    this.calls.set(id, call);
    if (this.active++ === 0) this.worker.ref();
    if (performance.now() - this.#lastPong > PING_EVERY_MS) this.ping();
  }

  ping(): void {
    this.pingedAt ??= performance.now();
    this.post({ t: "ping" });
  }

  /** Not answering a ping for `ms`. */
  silentFor(ms: number): boolean {
    return this.pingedAt !== undefined && performance.now() - this.pingedAt >= ms;
  }

  /** The call is over (answered or given up on). */
  release(id: number): void {
    if (!this.calls.delete(id)) return;
    if (--this.active === 0) {
      this.worker.unref();
      if (this.retired) this.stop("");
    }
  }

  /**
   * Takes no more calls, and stops once its calls are over; at once if it has not answered a ping
   * for STUCK_MS (one is sent at the abort), else as soon as that is so.
   */
  retire(who: string): void {
    this.retired = true;
    const busy = `stopped with the worker thread it shared with ${who}, whose function kept the thread busy past its timeout and grace`;
    if (this.silentFor(STUCK_MS)) return this.stop(busy);
    if (this.active === 0) return this.stop("");
    this.ping();
    setTimeout(() => this.silentFor(STUCK_MS) && this.stop(busy), STUCK_MS - (performance.now() - this.pingedAt!)).unref();
  }

  /** Terminates the thread; the calls still in it fail with `reason`. */
  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.onStop(this);
    const calls = [...this.calls.values()];
    this.calls.clear();
    this.active = 0;
    for (const call of calls) call.reject(new StepError(reason, { retryable: true }));
    void this.worker.terminate();
  }

  #receive(message: FromWorker): void {
    if (message.t === "pong") {
      this.pingedAt = undefined;
      this.#lastPong = performance.now();
      return;
    }
    const call = this.calls.get(message.id);
    if (!call) return;
    switch (message.t) {
      case "log":
        call.host.log(message.level, message.message);
        break;
      case "done":
        this.release(message.id);
        call.resolve(message.ok ? { ok: true, output: message.output } : { ok: false, failure: message.failure });
        break;
      default: {
        const { id, request, ...asked } = message;
        call.host.request(asked).then(
          (value) => this.#answer({ t: "answer", id, request, ok: true, value }),
          (error: unknown) => this.post({ t: "answer", id, request, ok: false, error: toWireError(error) }),
        );
      }
    }
  }

  #answer(message: ToWorker & { t: "answer" }): void {
    try {
      this.post(message);
    } catch (error) {
      // A value structured clone cannot copy (a function, a class instance with private state).
      this.post({ t: "answer", id: message.id, request: message.request, ok: false, error: toWireError(error) });
    }
  }
}

export class NodeWorkerPool {
  readonly #workers: PooledWorker[] = [];
  #nextId = 0;

  /**
   * @param maxWorkers threads at most; a new one starts only when every other is busy (has not
   * answered a ping for BUSY_MS), so that light functions share one thread and a loop that never
   * yields holds up only the calls already in its thread.
   */
  constructor(
    readonly maxWorkers: number,
    readonly workerFile: () => string = nodeWorkerFile,
  ) {}

  call(input: CallInput, host: CallHost): PoolCall {
    const worker = this.#pick();
    const id = this.#nextId++;
    const result = new Promise<CallOutcome>((resolve, reject) => worker.add(id, { host, resolve, reject }, input));
    // A call given up on may still fail when its thread stops; nobody waits for it any more.
    result.catch(() => undefined);
    return {
      result,
      abort: (message, retryable) => {
        worker.post({ t: "abort", id, message, retryable });
        worker.ping();
      },
      abandon: (who) => {
        worker.release(id);
        worker.retire(who);
        this.#remove(worker);
      },
    };
  }

  /** Starts a thread if none runs, so that its start-up overlaps other work (compiling the plugin). */
  prepare(): void {
    if (this.#workers.length === 0) this.#pick();
  }

  /** Threads running now. */
  get size(): number {
    return this.#workers.length;
  }

  /** Stops every thread (their calls fail). */
  close(): void {
    for (const worker of [...this.#workers]) worker.stop("nomaflow stopped the node worker threads");
  }

  #pick(): PooledWorker {
    let best: PooledWorker | undefined;
    let bestBusy = true;
    for (const worker of this.#workers) {
      const busy = worker.silentFor(BUSY_MS);
      if (!best || (bestBusy && !busy) || (busy === bestBusy && worker.active < best.active)) [best, bestBusy] = [worker, busy];
    }
    if (best && (!bestBusy || this.#workers.length >= this.maxWorkers)) return best;
    const started = new PooledWorker(this.workerFile(), (worker) => this.#remove(worker));
    this.#workers.push(started);
    return started;
  }

  #remove(worker: PooledWorker): void {
    const index = this.#workers.indexOf(worker);
    if (index >= 0) this.#workers.splice(index, 1);
  }
}

/**
 * The compiled worker script. The same code runs from src/ (tests import the TypeScript; the
 * thread needs JavaScript, so it runs the build's), dist/step-types/node/ (the library) and
 * dist/cli/ or dist/cli/chunks/ (the bundled CLI).
 */
const CANDIDATES = [
  "./nodeWorker.js",
  "../step-types/node/nodeWorker.js",
  "../../step-types/node/nodeWorker.js",
  "../../../dist/step-types/node/nodeWorker.js",
];

export function nodeWorkerFile(): string {
  const tried: string[] = [];
  for (const candidate of CANDIDATES) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(file)) return file;
    tried.push(file);
  }
  throw new StepError(`this installation of nomaflow is missing the node step's worker (looked for ${tried.join(", ")})`, {
    retryable: false,
    hint: "reinstall nomaflow, or run `npm run build` in a source checkout",
  });
}

/** The threads of this process: as many as there are cores, two to four. */
export const nodeWorkers = new NodeWorkerPool(Math.min(4, Math.max(2, availableParallelism())));
