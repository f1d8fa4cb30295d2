/**
 * The daemon's sense of time, injected (STYLE 6): the real one reads the wall clock and sleeps on
 * a timer; tests pass a clock they move by hand, so a simulated week takes milliseconds.
 */

export interface Clock {
  /** Wall-clock epoch ms: fire times are wall-clock instants, so a jump of the clock is seen. */
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal.addEventListener("abort", done, { once: true });
    }),
};
