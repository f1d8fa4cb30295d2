/**
 * The fires a daylight-saving change moves, drops or doubles, in words a user reads in
 * `nomaflow validate` (DESIGN 6.1). Only the transition days are examined, with the zone's
 * transitions cached, so checking every job of a project for a year stays cheap.
 */
import type { ParsedCron } from "./parseCron.js";
import { nextMatchingWall } from "./nextMatchingWall.js";
import { MINUTE_MS, SECOND_MS, formatOffset, formatWallDate, formatWallTime } from "./wallClock.js";
import { transitionsBetween, type ZoneTransition } from "./zoneTransitions.js";

/** One daylight-saving change that affects a schedule. */
export interface DstAnomaly {
  /** `skipped`: the clocks jump over the wall times; `repeated`: the wall times happen twice. */
  readonly kind: "skipped" | "repeated";
  /** Local date of the affected wall times, `2027-03-28`. */
  readonly localDate: string;
  /** Affected wall times, `02:00` (`02:00:30` for a seconds schedule); at most 60 are listed. */
  readonly wallTimes: readonly string[];
  /** How many wall times are affected in all. */
  readonly count: number;
  /** The instant of the clock change, epoch ms. */
  readonly changeAt: number;
  /** What actually happens to the listed wall times: the instants they fire at; empty when dropped. */
  readonly firesAt: readonly number[];
  /** One plain sentence saying what happens. */
  readonly message: string;
}

const MAX_LISTED = 60;
/** Past this many wall times a message names the first few and the total. */
const MAX_IN_MESSAGE = 6;

/**
 * Each clock change in (fromMs, untilMs] that skips or repeats a wall time the schedule fires at,
 * and what happens instead: a fixed-time schedule fires a skipped time once at the end of the
 * gap and a repeated time once on its first pass; a wildcard schedule drops skipped times and
 * fires repeated ones twice.
 *
 * @param zone an IANA zone name Intl accepts, or "UTC"
 * @throws RangeError for an unknown zone
 */
export function dstAnomalies(cron: ParsedCron, zone: string, fromMs: number, untilMs: number): DstAnomaly[] {
  const anomalies: DstAnomaly[] = [];
  for (const change of transitionsBetween(zone, fromMs, untilMs)) {
    const springForward = change.offsetAfter > change.offsetBefore;
    // Skipped wall times are [at + before, at + after); repeated ones [at + after, at + before).
    const low = change.at + Math.min(change.offsetBefore, change.offsetAfter);
    const high = change.at + Math.max(change.offsetBefore, change.offsetAfter);
    const walls = matchingWallsBetween(cron, low, high);
    if (walls.count === 0) continue;
    anomalies.push(springForward ? skipped(cron, zone, change, walls) : repeated(cron, zone, change, walls));
  }
  return anomalies;
}

interface MatchingWalls {
  /** The first MAX_LISTED matches, naive wall ms. */
  readonly listed: number[];
  readonly count: number;
}

function matchingWallsBetween(cron: ParsedCron, low: number, high: number): MatchingWalls {
  const listed: number[] = [];
  let count = 0;
  const firstSecond = (cron.seconds[0] ?? 0) * SECOND_MS;
  let wall = low;
  for (;;) {
    const match = nextMatchingWall(cron, wall, high);
    if (match === undefined) break;
    const minuteStart = match - (match % MINUTE_MS);
    if (listed.length === MAX_LISTED && match === minuteStart + firstSecond && minuteStart + MINUTE_MS <= high) {
      // Nothing left to list and the whole minute is inside: count its seconds without visiting them.
      count += cron.seconds.length;
      wall = minuteStart + MINUTE_MS;
      continue;
    }
    count++;
    if (listed.length < MAX_LISTED) listed.push(match);
    wall = match + SECOND_MS;
  }
  return { listed, count };
}

function skipped(cron: ParsedCron, zone: string, change: ZoneTransition, walls: MatchingWalls): DstAnomaly {
  const times = walls.listed.map((wall) => wallTime(cron, wall));
  const jumpFrom = formatWallTime(change.at + change.offsetBefore, false);
  const jumpTo = formatWallTime(change.at + change.offsetAfter, false);
  const localDate = formatWallDate(walls.listed[0] ?? change.at + change.offsetBefore);
  const opening = `on ${localDate} the clocks jump from ${jumpFrom} to ${jumpTo} in ${zone}`;
  const list = describeList(times, walls.count);
  const one = walls.count === 1;

  // A fixed-time schedule fires once at the jump (cron(8)); a wildcard one just loses those fires.
  const message = cron.fixedTime
    ? `${opening}: ${list} ${one ? "does" : "do"} not exist, so the job fires once at ${jumpTo} (${formatOffset(change.offsetAfter)})`
    : one
      ? `${opening}: the fire at ${list} is skipped`
      : `${opening}: fires at ${list} are skipped`;
  return {
    kind: "skipped",
    localDate,
    wallTimes: times,
    count: walls.count,
    changeAt: change.at,
    firesAt: cron.fixedTime ? [change.at] : [],
    message,
  };
}

function repeated(cron: ParsedCron, zone: string, change: ZoneTransition, walls: MatchingWalls): DstAnomaly {
  const times = walls.listed.map((wall) => wallTime(cron, wall));
  const localDate = formatWallDate(walls.listed[0] ?? change.at + change.offsetAfter);
  const list = describeList(times, walls.count);
  const one = walls.count === 1;
  const opening = `on ${localDate} ${list} ${one ? "happens" : "happen"} twice in ${zone}`;
  const firstPass = formatOffset(change.offsetBefore);
  const secondPass = formatOffset(change.offsetAfter);
  const firstPassFires = walls.listed.map((wall) => wall - change.offsetBefore);

  if (cron.fixedTime) {
    return {
      kind: "repeated",
      localDate,
      wallTimes: times,
      count: walls.count,
      changeAt: change.at,
      firesAt: firstPassFires,
      message: one
        ? `${opening}: the job fires once, at the first ${list} (${firstPass})`
        : `${opening}: the job fires once for each, on the first pass (${firstPass})`,
    };
  }
  // Every first-pass instant precedes the change and every second-pass one follows it: already in order.
  const secondPassFires = walls.listed.map((wall) => wall - change.offsetAfter);
  return {
    kind: "repeated",
    localDate,
    wallTimes: times,
    count: walls.count,
    changeAt: change.at,
    firesAt: [...firstPassFires, ...secondPassFires],
    message: one
      ? `${opening}: the job fires at both ${list} (${firstPass}) and ${list} (${secondPass})`
      : `${opening}: the job fires at each of them twice, at ${firstPass} and again at ${secondPass}`,
  };
}

function wallTime(cron: ParsedCron, wall: number): string {
  const withSeconds = cron.hasSeconds && cron.seconds.some((second) => second !== 0);
  return formatWallTime(wall, withSeconds);
}

/** `02:00, 02:15, 02:30`, or past MAX_IN_MESSAGE `02:00, 02:01, 02:02 … (60 in all)`. */
function describeList(times: readonly string[], count: number): string {
  if (count <= MAX_IN_MESSAGE) return times.join(", ");
  return `${times.slice(0, 3).join(", ")} … (${count} in all)`;
}
