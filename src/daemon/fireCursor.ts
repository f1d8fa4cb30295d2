/**
 * One job's position in its schedule: the next fire time, and the fires that came due since the
 * daemon last looked (one after an ordinary wait; many after downtime or a jump of the clock).
 */
import type { JobSchedule } from "../project/job.js";
import { fireTimesAfter } from "../schedule/nextFireTimes.js";

/** Past this many due fires, the rest before the catch-up window are skipped over uncounted. */
const MAX_COUNTED = 10_000;

export interface DueFires {
  /** The latest fire time at or before now. */
  latest: number;
  /** How many fires came due before it. */
  earlier: number;
  /** The first of those, when there are some. */
  firstEarlier: number | undefined;
  /** `earlier` is a lower bound: a very long backlog was skipped over. */
  countCapped: boolean;
}

export class FireCursor {
  readonly #schedule: JobSchedule;
  #fires: ReturnType<typeof fireTimesAfter>;
  #next: number | undefined;

  /** Fires strictly after `fromMs`. */
  constructor(schedule: JobSchedule, fromMs: number) {
    this.#schedule = schedule;
    this.#fires = fireTimesAfter(schedule.cron, schedule.timezone, fromMs);
    this.#next = this.#pull();
  }

  /** The next fire not yet taken; undefined when the schedule never fires again. */
  get next(): number | undefined {
    return this.#next;
  }

  /**
   * Takes every fire at or before `nowMs`, leaving `next` after it. Undefined when none is due.
   * @param windowStartMs fires before this cannot be run late any more; a long backlog before it is skipped
   */
  takeDue(nowMs: number, windowStartMs: number): DueFires | undefined {
    if (this.#next === undefined || this.#next > nowMs) return undefined;
    let latest = this.#next;
    let earlier = 0;
    let firstEarlier: number | undefined;
    let countCapped = false;
    for (;;) {
      const fire = this.#pull();
      if (fire === undefined || fire > nowMs) {
        this.#next = fire;
        break;
      }
      firstEarlier ??= latest;
      earlier += 1;
      latest = fire;
      if (earlier >= MAX_COUNTED && latest < windowStartMs && !countCapped) {
        // A second-by-second schedule after a week down: jump to the window instead of walking it.
        countCapped = true;
        this.#fires = fireTimesAfter(this.#schedule.cron, this.#schedule.timezone, windowStartMs);
      }
    }
    return { latest, earlier, firstEarlier, countCapped };
  }

  #pull(): number | undefined {
    const result = this.#fires.next();
    return result.done ? undefined : result.value;
  }
}

/**
 * The fires strictly between two instants, counted up to the same cap as `takeDue`: after a claim,
 * the earlier fires that nobody decided (the store's previous decision is `afterMs`).
 */
export function firesBetween(schedule: JobSchedule, afterMs: number, beforeMs: number): { count: number; first: number | undefined; capped: boolean } {
  let count = 0;
  let first: number | undefined;
  for (const fire of fireTimesAfter(schedule.cron, schedule.timezone, afterMs)) {
    if (fire >= beforeMs) break;
    first ??= fire;
    if (++count >= MAX_COUNTED) return { count, first, capped: true };
  }
  return { count, first, capped: false };
}

/** A job's due fires not yet claimed, and those that came due since: the latest is the one that may run. */
export function mergeDueFires(waiting: DueFires, fires: DueFires): DueFires {
  return {
    latest: fires.latest,
    earlier: waiting.earlier + 1 + fires.earlier,
    firstEarlier: waiting.firstEarlier ?? waiting.latest,
    countCapped: waiting.countCapped || fires.countCapped,
  };
}

/**
 * The earlier due fires of a claim that nobody decided: all of them, unless the store's previous
 * decision for the job is later than the first (another daemon ran some meanwhile, while this
 * one's loop stalled or it could not reach the store); then only those after it.
 */
export function undecidedEarlier(
  schedule: JobSchedule,
  fires: DueFires,
  previousMs: number | undefined,
): { count: number; first: number | undefined; capped: boolean } {
  if (fires.earlier === 0 || previousMs === undefined || fires.firstEarlier === undefined || previousMs < fires.firstEarlier) {
    return { count: fires.earlier, first: fires.firstEarlier, capped: fires.countCapped };
  }
  return firesBetween(schedule, previousMs, fires.latest);
}
