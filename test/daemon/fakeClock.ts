/**
 * A clock the test moves by hand (STYLE 6): the scheduler sleeps on it, and `runUntil` wakes each
 * sleeper at exactly its instant, letting the woken code run until it sleeps again. A simulated
 * week takes milliseconds and every fire happens at its exact instant.
 *
 * Like a real machine it has two clocks: sleeps run on elapsed time, `now()` is the wall clock,
 * and `set` moves the wall clock alone (a jump, or time passing while no daemon runs).
 */
import type { Clock } from "../../src/daemon/clock.js";

interface Sleeper {
  /** Elapsed time at which it wakes. */
  until: number;
  resolve: () => void;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FakeClock implements Clock {
  #elapsed = 0;
  /** Wall clock minus elapsed time. */
  #wallOffset: number;
  readonly #sleepers = new Set<Sleeper>();

  constructor(start: number | string) {
    this.#wallOffset = typeof start === "string" ? Date.parse(start) : start;
  }

  now(): number {
    return this.#elapsed + this.#wallOffset;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const sleeper: Sleeper = {
        until: this.#elapsed + Math.max(0, ms),
        resolve: () => {
          this.#sleepers.delete(sleeper);
          signal.removeEventListener("abort", sleeper.resolve);
          resolve();
        },
      };
      this.#sleepers.add(sleeper);
      signal.addEventListener("abort", sleeper.resolve, { once: true });
    });
  }

  /** Sets the wall clock without waking anybody. */
  set(at: number | string): void {
    this.#wallOffset = (typeof at === "string" ? Date.parse(at) : at) - this.#elapsed;
  }

  /** Lets woken code run until something sleeps again (or nothing is left to run). */
  async settle(): Promise<void> {
    for (let index = 0; index < 200 && this.#sleepers.size === 0; index++) await turn();
    // Work started beside the sleeper (a run finishing, a log being written) gets a few turns too.
    for (let index = 0; index < 5; index++) await turn();
  }

  /** Lets time pass until the wall clock reads `target`, waking every sleeper due by then at its own instant. */
  async runUntil(target: number | string): Promise<void> {
    const end = (typeof target === "string" ? Date.parse(target) : target) - this.#wallOffset;
    await this.settle();
    for (;;) {
      let next: Sleeper | undefined;
      for (const sleeper of this.#sleepers) if (!next || sleeper.until < next.until) next = sleeper;
      if (!next || next.until > end) break;
      this.#elapsed = Math.max(this.#elapsed, next.until);
      next.resolve();
      await this.settle();
    }
    this.#elapsed = Math.max(this.#elapsed, end);
  }
}
