/**
 * Fires that came due while the daemon ran as many runs as it may (`max_concurrent_runs`,
 * `--max-runs`): they wait here in fire order and start, oldest fire first, as runs end. A job's
 * fires leave in the order they came, so its claims in the fire store stay in time order.
 */

export interface WaitingFire {
  jobId: string;
  /** The scheduled time, epoch ms: the queue's order. */
  fireMs: number;
  /** When it joined the queue, epoch ms (for the queued time in /metrics). */
  queuedAtMs: number;
}

export class SlotQueue<Fire extends WaitingFire> {
  readonly #fires: Fire[] = [];

  get size(): number {
    return this.#fires.length;
  }

  /** Joins in fire order, after the fires of the same instant already waiting. */
  add(fire: Fire): number {
    let index = this.#fires.length;
    while (index > 0 && this.#fires[index - 1]!.fireMs > fire.fireMs) index--;
    this.#fires.splice(index, 0, fire);
    return index + 1;
  }

  /** The jobs with a fire waiting. */
  jobs(): Set<string> {
    return new Set(this.#fires.map((fire) => fire.jobId));
  }

  /**
   * Takes up to `free` fires, oldest first, for the runs that may start now; fires that are no
   * longer `current` (their job changed or went away on a reload) are taken out and returned apart.
   */
  take(free: number, current: (fire: Fire) => boolean): { starting: Fire[]; dropped: Fire[] } {
    const starting: Fire[] = [];
    const dropped: Fire[] = [];
    const kept: Fire[] = [];
    for (const fire of this.#fires) {
      if (!current(fire)) dropped.push(fire);
      else if (starting.length < free) starting.push(fire);
      else kept.push(fire);
    }
    this.#fires.splice(0, this.#fires.length, ...kept);
    return { starting, dropped };
  }

  /** Empties the queue (the daemon stops), returning what waited. */
  clear(): Fire[] {
    return this.#fires.splice(0, this.#fires.length);
  }
}
