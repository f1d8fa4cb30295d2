/**
 * Looking back along a schedule: the latest fire at or before an instant, which a run's logical
 * date needs (a manual run is for the latest fire; a run's interval starts at the fire before its
 * own). Pure, like {@link fireTimesAfter}, whose fires it walks: the same DST rules hold (a fixed
 * time repeated at a fall-back fired at its first pass only, whatever instant the walk starts at).
 */
import type { ParsedCron } from "./parseCron.js";
import { fireTimesAfter } from "./nextFireTimes.js";
import { DAY_MS, FIRST_WALL, HOUR_MS } from "./wallClock.js";

/** Past this look-back a schedule is taken never to have fired (the calendar repeats every 400 years). */
const LOOK_BACK_LIMIT_MS = 400 * 366 * DAY_MS;
/** The first look-back; each next one is four times as long, so a daily job needs four walks at most. */
const FIRST_LOOK_BACK_MS = HOUR_MS;

/**
 * The latest fire time at or before `atMs`, epoch ms; undefined when the schedule never fired in
 * the 400 years before it (or before year 1).
 * @throws RangeError for an unknown zone
 */
export function latestFireAtOrBefore(cron: ParsedCron, zone: string, atMs: number): number | undefined {
  for (let lookBack = FIRST_LOOK_BACK_MS; lookBack <= LOOK_BACK_LIMIT_MS * 4; lookBack *= 4) {
    // Year 1 is as far back as fire times go; a day of margin keeps every offset in range.
    const fromMs = Math.max(atMs - lookBack, FIRST_WALL + DAY_MS);
    let latest: number | undefined;
    for (const fire of fireTimesAfter(cron, zone, fromMs - 1)) {
      if (fire > atMs) break;
      latest = fire;
    }
    if (latest !== undefined) return latest;
    if (fromMs === FIRST_WALL + DAY_MS) return undefined;
  }
  return undefined;
}

/** The fire just before `fireMs` (strictly), or undefined when there is none. */
export function previousFireTime(cron: ParsedCron, zone: string, fireMs: number): number | undefined {
  return latestFireAtOrBefore(cron, zone, fireMs - 1);
}

/** Whether `ms` is itself a fire time of the schedule. */
export function isFireTime(cron: ParsedCron, zone: string, ms: number): boolean {
  return latestFireAtOrBefore(cron, zone, ms) === ms;
}
