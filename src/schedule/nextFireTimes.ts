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
import { DAY_MS, HOUR_MS, SECOND_MS, formatOffset, formatWallDate, formatWallTime } from "./wallClock.js";
import { assertKnownZone, offsetAt, offsetSegments, transitionsBetween } from "./zoneTransitions.js";

/** The Gregorian calendar repeats every 400 years: a schedule silent that long never fires. */
const SEARCH_HORIZON_MS = 400 * 366 * DAY_MS;
/**
 * Offsets stay within -12 h and +14 h (16 h keeps a margin for old local mean times): wall W is
 * not shown before instant W - 16 h, and after instant t no wall time below t - 16 h is shown.
 */
const MAX_OFFSET_MARGIN_MS = 16 * HOUR_MS;

/**
 * The first `count` fire times strictly after `fromMs`, in increasing order, as epoch ms.
 * Fewer only if the schedule can never fire again, which parseCron does not rule out for every
 * odd combination of day rules.
 *
 * @param zone an IANA zone name Intl accepts, or "UTC"
 * @throws RangeError for an unknown zone or a count that is not a whole number >= 0
 */
export function nextFireTimes(cron: ParsedCron, zone: string, fromMs: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number >= 0; got ${count}`);
  const fires: number[] = [];
  if (count === 0) return fires;
  for (const fire of fireTimesAfter(cron, zone, fromMs)) {
    fires.push(fire);
    if (fires.length === count) break;
  }
  return fires;
}

/**
 * Lazily, every fire time strictly after `fromMs`, in increasing order, as epoch ms: the
 * daemon's clock source. Same rules as {@link nextFireTimes}; ends only if the schedule never
 * fires again.
 *
 * @throws RangeError (on the first `next()`) for an unknown zone or a non-finite `fromMs`
 */
export function* fireTimesAfter(cron: ParsedCron, zone: string, fromMs: number): Generator<number, void, undefined> {
  assertKnownZone(zone);
  if (!Number.isFinite(fromMs)) throw new RangeError(`fromMs must be a finite epoch ms; got ${fromMs}`);
  const start = Math.floor(fromMs) + 1;
  const horizonWall = start + SEARCH_HORIZON_MS;

  // Memo of the last search: no wall time in [memoFrom, memoFound) matches.
  let memoFrom = Number.NaN;
  let memoFound: number | undefined;
  const firstMatch = (fromWall: number): number | undefined => {
    if (!(fromWall >= memoFrom && (memoFound === undefined || fromWall <= memoFound))) {
      memoFrom = fromWall;
      memoFound = nextMatchingWall(cron, fromWall, horizonWall);
    }
    return memoFound;
  };

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
        if (match === undefined) return;
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
    if (jumpTo === undefined) return;
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
