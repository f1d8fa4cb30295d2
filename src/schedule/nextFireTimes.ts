/**
 * When a parsed cron fires in a time zone (DESIGN 6.1). Pure: a function of (cron, zone, instant).
 *
 * The zone is walked as stretches of constant offset. Inside a stretch, a wall time W is the
 * instant W - offset, so matching wall times come from calendar arithmetic alone; only the
 * stretch boundaries (DST changes) need thought:
 * - a wildcard schedule (`*` in the minute or hour field) follows real elapsed time: each
 *   stretch fires the matching wall times it shows, so a skipped wall time never fires and a
 *   repeated one fires on both passes;
 * - a fixed-time schedule fires each matching wall time at the first instant the clock reaches
 *   or passes it (cron(8)): a repeated wall time fires on the first pass only, and the wall times
 *   a spring-forward jump passes over all fire once, at the jump.
 */
import type { ParsedCron } from "./parseCron.js";
import { nextMatchingWall } from "./nextMatchingWall.js";
import { DAY_MS, END_WALL, HOUR_MS, LAST_YEAR, SECOND_MS, formatOffset, formatWallDate, formatWallTime, wallParts } from "./wallClock.js";
import { assertKnownZone, offsetAt, offsetSegments, transitionsBetween } from "./zoneTransitions.js";

/**
 * The Gregorian calendar repeats every 400 years: a schedule silent that long from any wall time
 * never fires again.
 */
const SEARCH_HORIZON_MS = 400 * 366 * DAY_MS;
/**
 * Offsets stay within -12 h and +14 h (16 h keeps a margin for old local mean times): wall W is
 * not shown before instant W - 16 h, and after instant t no wall time below t - 16 h is shown.
 */
const MAX_OFFSET_MARGIN_MS = 16 * HOUR_MS;

/** Why {@link fireTimesAfter} ended: the schedule never fires again, or its next fire lies past year 9999. */
export type FireTimesEnd = "never-again" | "past-last-year";

/**
 * The first `count` fire times strictly after `fromMs`, in increasing order, as epoch ms.
 * Fewer only if the schedule can never fire again, which parseCron does not rule out for every
 * odd combination of day rules.
 *
 * @param zone an IANA zone name Intl accepts, or "UTC"
 * @throws RangeError for an unknown zone, a count that is not a whole number >= 0, or when the
 * `count`th fire would lie past the end of year 9999 (local time), where fire times are not computed
 */
export function nextFireTimes(cron: ParsedCron, zone: string, fromMs: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number >= 0; got ${count}`);
  const fires: number[] = [];
  if (count === 0) return fires;
  const fireTimes = fireTimesAfter(cron, zone, fromMs);
  while (fires.length < count) {
    const next = fireTimes.next();
    if (next.done !== true) {
      fires.push(next.value);
      continue;
    }
    if (next.value === "past-last-year") {
      throw new RangeError(`fire times are computed up to the end of year ${LAST_YEAR}; ${count} were asked for and only ${fires.length} come before it`);
    }
    break;
  }
  return fires;
}

/**
 * Lazily, every fire time strictly after `fromMs`, in increasing order, as epoch ms: the
 * daemon's clock source. Same rules as {@link nextFireTimes}; ends if the schedule never fires
 * again, or at the end of year 9999 (local time), saying which in its return value.
 *
 * @throws RangeError (on the first `next()`) for an unknown zone or a non-finite `fromMs`
 */
export function* fireTimesAfter(cron: ParsedCron, zone: string, fromMs: number): Generator<number, FireTimesEnd, undefined> {
  assertKnownZone(zone);
  if (!Number.isFinite(fromMs)) throw new RangeError(`fromMs must be a finite epoch ms; got ${fromMs}`);
  const start = Math.floor(fromMs) + 1;

  // Memo of the last search: no wall time in [memoFrom, memoFound) matches; when nothing was
  // found, none in [memoFrom, memoFrom + horizon) does, so none ever will (or none before the end).
  let memoFrom = Number.NaN;
  let memoFound: number | undefined;
  const firstMatch = (fromWall: number): number | undefined => {
    if (!(fromWall >= memoFrom && (memoFound === undefined || fromWall <= memoFound))) {
      memoFrom = fromWall;
      memoFound = nextMatchingWall(cron, fromWall, Math.min(fromWall + SEARCH_HORIZON_MS, END_WALL));
    }
    return memoFound;
  };
  const end = (): FireTimesEnd => (memoFrom + SEARCH_HORIZON_MS > END_WALL ? "past-last-year" : "never-again");

  // Fixed-time only: wall times below this were already reached by the clock (and fired if due).
  let reached = cron.fixedTime ? reachedWallAfter(zone, start - 1) : Number.NEGATIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let from = start;

  for (;;) {
    let jumpTo: number | undefined;
    for (const segment of offsetSegments(zone, from)) {
      const segmentWallEnd = segment.end + segment.offset;
      let wall = segment.start + segment.offset;
      if (cron.fixedTime) {
        if (reached < wall) {
          // The clock jumped over [reached, wall): anything due in it fires once, now.
          const skipped = firstMatch(reached);
          if (skipped !== undefined && skipped < wall && segment.start > last) {
            yield segment.start;
            last = segment.start;
          }
        }
        wall = Math.max(wall, reached);
        reached = Math.max(reached, segmentWallEnd);
      }
      for (;;) {
        const match = firstMatch(wall);
        if (match === undefined) return end();
        if (match >= segmentWallEnd) {
          // A rare schedule: go straight to the stretch where the match can be shown. Wildcard
          // schedules must not leap over a fall-back that shows wall times below `wall` again.
          const ahead = match - MAX_OFFSET_MARGIN_MS;
          const nothingBelowWallAhead = cron.fixedTime || wall <= segment.end - MAX_OFFSET_MARGIN_MS;
          if (ahead > segment.end && nothingBelowWallAhead) jumpTo = ahead;
          break;
        }
        const fire = match - segment.offset;
        if (fire > last) {
          yield fire;
          last = fire;
        }
        wall = match + SECOND_MS;
      }
      if (jumpTo !== undefined) break;
    }
    // offsetSegments never ends, so only a jump gets here.
    if (jumpTo === undefined) return end();
    // Nothing matches before the match found, so the clock may be taken to have reached it.
    if (cron.fixedTime) reached = Math.max(reached, firstMatch(reached) ?? reached);
    from = jumpTo;
  }
}

/**
 * The lowest wall time the clock has not yet shown by `instant` (inclusive): normally just past
 * the wall time then, but during the second pass of a fall-back the end of the first pass.
 * Taken before the first instant searched, so a spring-forward at that very instant still
 * counts as a jump.
 */
function reachedWallAfter(zone: string, instant: number): number {
  let reached = instant + offsetAt(zone, instant) + 1;
  for (const change of transitionsBetween(zone, instant - DAY_MS, instant)) {
    reached = Math.max(reached, change.at + change.offsetBefore);
  }
  return reached;
}

/** The last instant formatted, kept for the next call. */
let lastFormatted: { ms: number; zone: string; text: string } | undefined;

/**
 * ISO 8601 local time of an instant in a zone, seconds always shown and the offset written
 * `±HH:MM` (UTC is `+00:00`, never `Z`): `2027-03-28T03:00:00+02:00`.
 *
 * @throws RangeError for an unknown zone
 */
export function formatFireTime(ms: number, zone: string): string {
  // Jobs on the same schedule and zone fire at the same instant: the daemon formats it once.
  if (lastFormatted && lastFormatted.ms === ms && lastFormatted.zone === zone) return lastFormatted.text;
  const offset = offsetAt(zone, ms);
  const wall = Math.floor(ms / SECOND_MS) * SECOND_MS + offset;
  const text = `${formatWallDate(wall)}T${formatWallTime(wall, true)}${formatOffset(offset)}`;
  lastFormatted = { ms, zone, text };
  return text;
}

const WEEKDAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

/** The local weekday of an instant in a zone, `Mon`: the day {@link formatFireTime} prints. */
export function fireWeekday(ms: number, zone: string): string {
  return WEEKDAY_NAMES[wallParts(ms + offsetAt(zone, ms)).weekday] as string;
}
