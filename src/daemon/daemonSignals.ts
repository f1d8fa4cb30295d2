/**
 * The daemon's signals, taken from its first instant (SIGHUP's default action would kill it):
 * SIGHUP reloads, one reload at a time, and one that comes during start-up waits for the daemon
 * to be ready; the first SIGTERM or SIGINT asks for a graceful stop, the second for a forced one.
 */

const STOP_SIGNALS = ["SIGTERM", "SIGINT"] as const;

export class DaemonSignals {
  /** Resolves with the first stop signal. */
  readonly stopped: Promise<NodeJS.Signals>;
  /** The second stop signal came. */
  forced = false;
  #resolveStopped!: (signal: NodeJS.Signals) => void;
  #stopping = false;
  #reload: (() => Promise<void>) | undefined;
  #force: ((signal: NodeJS.Signals) => void) | undefined;
  #reloadWaiting = false;
  #reloading: Promise<void> = Promise.resolve();
  readonly #handlers = new Map<NodeJS.Signals, () => void>();

  constructor() {
    this.stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
    this.#handlers.set("SIGHUP", () => this.#onReload());
    for (const signal of STOP_SIGNALS) this.#handlers.set(signal, () => this.#onStop(signal));
    for (const [signal, handler] of this.#handlers) process.on(signal, handler);
  }

  /** From now on SIGHUP calls `reload` (at once if one came earlier) and a second stop calls `force`. */
  ready(reload: () => Promise<void>, force: (signal: NodeJS.Signals) => void): void {
    this.#reload = reload;
    this.#force = force;
    if (this.#reloadWaiting) this.#onReload();
  }

  /** A stop signal came. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Resolves when no reload is going. */
  get reloading(): Promise<void> {
    return this.#reloading;
  }

  dispose(): void {
    for (const [signal, handler] of this.#handlers) process.off(signal, handler);
  }

  #onReload(): void {
    const reload = this.#reload;
    if (!reload || this.#stopping) {
      this.#reloadWaiting = !this.#stopping;
      return;
    }
    this.#reloadWaiting = false;
    this.#reloading = this.#reloading.then(reload);
  }

  #onStop(signal: NodeJS.Signals): void {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#resolveStopped(signal);
      return;
    }
    if (this.forced) return;
    this.forced = true;
    this.#force?.(signal);
  }
}
