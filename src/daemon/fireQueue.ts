/**
 * The next fire of every scheduled job in one binary min-heap, so the daemon keeps one timer for
 * the earliest fire whatever the number of jobs. A rescheduled or removed job is not searched
 * for: its entry is left in place and recognised as stale by its version when it surfaces.
 */

export interface QueuedFire {
  at: number;
  jobId: string;
  /** The job's schedule version when queued; a different current version makes the entry stale. */
  version: number;
}

export class FireQueue {
  readonly #heap: QueuedFire[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(entry: QueuedFire): void {
    const heap = this.#heap;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.at <= entry.at) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = entry;
  }

  peek(): QueuedFire | undefined {
    return this.#heap[0];
  }

  pop(): QueuedFire | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.at < heap[left]!.at ? right : left;
      if (heap[child]!.at >= last.at) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
    return top;
  }
}
