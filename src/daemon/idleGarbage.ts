/**
 * The daemon gives back the memory a burst of runs left behind, once it is idle. V8 collects its
 * old generation only when that reaches a limit, and a Node process gets no idle-time collection,
 * so the garbage of every burst (a thousand runs fired together, or checking a thousand job files
 * at start) would stay in the heap until the next burst piles more on top. Here, when no run is
 * going and the next fire is a while away, one full collection runs, which also shrinks the young
 * generation back (V8's low-memory notification, through the inspector's documented
 * `HeapProfiler.collectGarbage`; no `--expose-gc` needed).
 */

import type * as Inspector from "node:inspector";

/** One full collection; resolves when it is done. */
export type CollectGarbage = () => Promise<void>;

export interface IdleGarbageOptions {
  /** @default the inspector's HeapProfiler.collectGarbage, or nothing where Node has no inspector */
  collect?: CollectGarbage;
  /** Idle for at least this long before collecting (the last runs' files close meanwhile). @default 1000 */
  quietMs?: number;
  /** Not when the next fire is sooner than this (or three times the last collection): it must not delay a fire. @default 2000 */
  marginMs?: number;
  /** For the collection's duration. @default performance.now */
  monotonicNow?: () => number;
}

/** What the scheduler says each time its loop is about to sleep with no run going. */
export interface IdleMoment {
  nowMs: number;
  /** Until the next fire; undefined when nothing is scheduled. */
  untilNextFireMs: number | undefined;
  /** Runs started since the scheduler began: a change means there was work (and garbage). */
  runsStarted: number;
}

export class IdleGarbage {
  readonly #collect: CollectGarbage;
  readonly #quietMs: number;
  readonly #marginMs: number;
  readonly #monotonicNow: () => number;
  /** Runs started at the last collection; undefined: there is start-up garbage to collect. */
  #collectedAtRuns: number | undefined;
  #idleSince: number | undefined;
  #idleAtRuns = -1;
  #lastDurationMs = 0;

  constructor(options: IdleGarbageOptions = {}) {
    this.#collect = options.collect ?? inspectorCollect;
    this.#quietMs = options.quietMs ?? 1000;
    this.#marginMs = options.marginMs ?? 2000;
    this.#monotonicNow = options.monotonicNow ?? (() => performance.now());
  }

  /** More garbage than runs tell of (a reload checked every job file again). */
  noteGarbage(): void {
    this.#collectedAtRuns = undefined;
  }

  /** Collects when there is something to collect, the daemon has been idle a while and no fire is near. */
  async whenIdle(moment: IdleMoment): Promise<boolean> {
    // Idle since the last run started; a run that started meanwhile restarts the quiet period.
    if (this.#idleSince === undefined || this.#idleAtRuns !== moment.runsStarted) {
      this.#idleSince = moment.nowMs;
      this.#idleAtRuns = moment.runsStarted;
    }
    if (this.#collectedAtRuns === moment.runsStarted) return false;
    if (moment.nowMs - this.#idleSince < this.#quietMs) return false;
    const margin = Math.max(this.#marginMs, 3 * this.#lastDurationMs);
    if (moment.untilNextFireMs !== undefined && moment.untilNextFireMs < margin) return false;
    this.#collectedAtRuns = moment.runsStarted;
    const started = this.#monotonicNow();
    await this.#collect();
    this.#lastDurationMs = this.#monotonicNow() - started;
    return true;
  }
}

let session: Inspector.Session | null | undefined;

const inspectorCollect: CollectGarbage = async () => {
  if (session === undefined) {
    try {
      const { Session } = await import("node:inspector");
      session = new Session();
      session.connect();
    } catch {
      // A Node built without the inspector: V8 collects on its own schedule.
      session = null;
    }
  }
  const connected = session;
  if (!connected) return;
  await new Promise<void>((resolve) => connected.post("HeapProfiler.collectGarbage", () => resolve()));
};
