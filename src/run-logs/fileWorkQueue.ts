/**
 * File work started off the event loop in bulk: the first few requests start at once, the others
 * together on the event loop's next turn. When a thousand jobs fire together, each request handed
 * to libuv's thread pool costs the event loop tens of microseconds while the pool is busy; started
 * one by one inside the firing loop, they delayed every later fire. Started on the next turn, they
 * cost the same but after every job has been fired, and the pool still has all of them queued, so
 * its threads never wait for the event loop between two files.
 */

interface Waiting {
  work: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface FileWorkQueueOptions {
  /** Requests started at once while fewer than this many are going. @default 8 */
  startAtOnce?: number;
}

export class FileWorkQueue {
  readonly #startAtOnce: number;
  #going = 0;
  #deferred: Waiting[] = [];

  constructor(options: FileWorkQueueOptions = {}) {
    this.#startAtOnce = options.startAtOnce ?? 8;
  }

  /** Runs `work` now, or on the next turn of the event loop when enough is going already. */
  run<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiting: Waiting = { work, resolve: resolve as (value: unknown) => void, reject };
      if (this.#going < this.#startAtOnce && this.#deferred.length === 0) {
        this.#start(waiting);
        return;
      }
      if (this.#deferred.length === 0) setImmediate(() => this.#startDeferred());
      this.#deferred.push(waiting);
    });
  }

  #startDeferred(): void {
    const deferred = this.#deferred;
    this.#deferred = [];
    for (const waiting of deferred) this.#start(waiting);
  }

  #start({ work, resolve, reject }: Waiting): void {
    this.#going++;
    let started: Promise<unknown>;
    try {
      started = work();
    } catch (error) {
      started = Promise.reject(error);
    }
    started.then(
      (value) => {
        this.#going--;
        resolve(value);
      },
      (error: unknown) => {
        this.#going--;
        reject(error);
      },
    );
  }
}
