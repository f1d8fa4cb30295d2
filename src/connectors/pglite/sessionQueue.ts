/**
 * PGlite has one connection, so sessions on one instance take turns: a session holds the
 * connection from its first statement to its last, and the next waits. First come, first served.
 */
export class SessionQueue {
  #tail: Promise<void> = Promise.resolve();

  /**
   * Resolves with `release` once every earlier holder has released. If `signal` aborts while
   * waiting, rejects with its reason and gives the turn up (the queue moves on as if it had been
   * taken and released at once).
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => mine);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        reject(signal!.reason);
        void previous.then(release);
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      void previous.then(() => {
        signal?.removeEventListener("abort", onAbort);
        if (signal?.aborted) release();
        else resolve(release);
      });
    });
  }
}
