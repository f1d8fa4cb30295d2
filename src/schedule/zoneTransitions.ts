/**
 * A zone's UTC offsets as a list of transitions, found once per zone and UTC year and cached:
 * asking Intl for an offset costs microseconds, so schedules must not ask per fire time.
 */
import { isKnownZone, zoneOffsetMs } from "./zoneOffset.js";
import { DAY_MS, SECOND_MS, wallMs } from "./wallClock.js";

/** A change of UTC offset at instant `at`; offsets in ms (east of Greenwich positive). */
export interface ZoneTransition {
  readonly at: number;
  readonly offsetBefore: number;
  readonly offsetAfter: number;
}

/** Instants [start, end) during which the zone keeps one offset. */
export interface OffsetSegment {
  readonly start: number;
  readonly end: number;
  readonly offset: number;
}

const transitionsByZone = new Map<string, Map<number, readonly ZoneTransition[]>>();

/**
 * Fails early on a zone Intl does not know.
 * @throws RangeError naming the zone
 */
export function assertKnownZone(zone: string): void {
  if (zone !== "UTC" && !isKnownZone(zone)) throw new RangeError(`unknown time zone "${zone}"; use an IANA name such as Europe/Paris, or UTC`);
}

/** The zone's UTC offset at an instant, in ms. */
export function offsetAt(zone: string, instant: number): number {
  if (zone === "UTC") return 0;
  assertKnownZone(zone);
  return zoneOffsetMs(zone, instant);
}

/**
 * The transitions of one UTC year, those at instants in (Jan 1 of `year`, Jan 1 of `year + 1`]
 * (so a transition exactly at midnight UTC on Jan 1 belongs to the year before). Found by
 * stepping a day at a time and bisecting each change to the second; two changes within one day
 * that cancel out are not seen.
 */
export function transitionsInYear(zone: string, year: number): readonly ZoneTransition[] {
  let byYear = transitionsByZone.get(zone);
  if (byYear === undefined) {
    byYear = new Map();
    transitionsByZone.set(zone, byYear);
  }
  let found = byYear.get(year);
  if (found === undefined) {
    found = scanYear(zone, year);
    byYear.set(year, found);
  }
  return found;
}

function scanYear(zone: string, year: number): ZoneTransition[] {
  const found: ZoneTransition[] = [];
  if (zone === "UTC") return found;
  const end = wallMs(year + 1, 0);
  let at = wallMs(year, 0);
  let offset = offsetAt(zone, at);
  while (at < end) {
    const next = Math.min(at + DAY_MS, end);
    const offsetNext = offsetAt(zone, next);
    // Loop, not `if`: a day can hold more than one change as long as they do not cancel out.
    while (offsetNext !== offset) {
      const change = firstChange(zone, at, next, offset);
      const after = offsetAt(zone, change);
      found.push({ at: change, offsetBefore: offset, offsetAfter: after });
      at = change;
      offset = after;
    }
    at = next;
  }
  return found;
}

/** The first whole second in (low, high] whose offset differs from `offset` (which holds at low). */
function firstChange(zone: string, low: number, high: number, offset: number): number {
  while (high - low > SECOND_MS) {
    const middle = low + Math.floor((high - low) / 2 / SECOND_MS) * SECOND_MS;
    if (offsetAt(zone, middle) === offset) low = middle;
    else high = middle;
  }
  return high;
}

/** Transitions at instants in (fromMs, untilMs], in order. */
export function transitionsBetween(zone: string, fromMs: number, untilMs: number): ZoneTransition[] {
  const found: ZoneTransition[] = [];
  const lastYear = new Date(untilMs).getUTCFullYear();
  // A transition at exactly Jan 1 00:00 UTC is filed under the year before, so start one early.
  for (let year = new Date(fromMs).getUTCFullYear() - 1; year <= lastYear; year++) {
    for (const transition of transitionsInYear(zone, year)) {
      if (transition.at > fromMs && transition.at <= untilMs) found.push(transition);
    }
  }
  return found;
}

/**
 * The zone's constant-offset stretches from `fromMs` on, forever. A stretch also ends at each
 * new UTC year, so the generator only ever needs the transitions of the year it is in.
 */
export function* offsetSegments(zone: string, fromMs: number): Generator<OffsetSegment, never, undefined> {
  let start = fromMs;
  let offset = offsetAt(zone, start);
  for (;;) {
    const year = new Date(start).getUTCFullYear();
    const transition = transitionsInYear(zone, year).find((candidate) => candidate.at > start);
    if (transition === undefined) {
      const end = wallMs(year + 1, 0);
      yield { start, end, offset };
      start = end;
    } else {
      yield { start, end: transition.at, offset };
      start = transition.at;
      offset = transition.offsetAfter;
    }
  }
}
