/**
 * Notes beside a list of upcoming fires, one per clock change among them, saying what the change
 * does to the job (the console's Jobs page and cron preview). What happens is dstAnomalies.ts's
 * finding, which follows nextFireTimes.ts's rules; this file only puts it into words.
 */
import { MONTH_NAMES, WEEKDAY_NAMES, joinWords } from "./cronWords.js";
import { dstAnomalies, type DstAnomaly } from "./dstAnomalies.js";
import type { ParsedCron } from "./parseCron.js";
import { formatOffset, formatWallTime, wallParts } from "./wallClock.js";
import { transitionsBetween, type ZoneTransition } from "./zoneTransitions.js";

/** One clock change and what it does to the job. */
export interface ClockChangeNote {
  /** `Clocks go back on Sun 31 Oct 2027 at 03:00 (+02:00 → +01:00): 02:30 happens twice, the job fires once, at the first`. */
  readonly message: string;
  /** The fire (one of `fires`) the change moves or doubles, or null when it touches none of them. */
  readonly atMs: number | null;
}

/** Past this many wall times a note names the first few and the total. */
const MAX_NAMED_TIMES = 6;

/**
 * A note for each change of `zone`'s offset in (fromMs, last of `fires`]: when the clocks move,
 * and, when the change skips or repeats a wall time the job fires at, what the job does then.
 *
 * @param fires the next fires after `fromMs`, as nextFireTimes computed them
 * @throws RangeError for an unknown zone
 */
export function dstNotes(cron: ParsedCron, zone: string, fromMs: number, fires: readonly number[]): ClockChangeNote[] {
  const last = fires[fires.length - 1];
  if (last === undefined) return [];
  const anomalies = dstAnomalies(cron, zone, fromMs, last);
  return transitionsBetween(zone, fromMs, last).map((change) => {
    const heading = clockChangeHeading(change);
    const anomaly = anomalies.find((candidate) => candidate.changeAt === change.at);
    if (anomaly === undefined) return { message: heading, atMs: null };
    return {
      message: `${heading}: ${whatHappens(cron, change, anomaly)}`,
      atMs: fires.find((fire) => anomaly.firesAt.includes(fire)) ?? null,
    };
  });
}

/** `Clocks go forward on Sun 28 Mar 2027 at 02:00 (+01:00 → +02:00)`: the local time the clocks leave. */
function clockChangeHeading(change: ZoneTransition): string {
  const wall = change.at + change.offsetBefore;
  const { year, month, day, weekday } = wallParts(wall);
  const date = `${(WEEKDAY_NAMES[weekday] as string).slice(0, 3)} ${day} ${(MONTH_NAMES[month - 1] as string).slice(0, 3)} ${year}`;
  const direction = change.offsetAfter > change.offsetBefore ? "forward" : "back";
  return `Clocks go ${direction} on ${date} at ${formatWallTime(wall, false)} (${formatOffset(change.offsetBefore)} → ${formatOffset(change.offsetAfter)})`;
}

/**
 * What the job does with the wall times the change skips or repeats: a fixed-time schedule fires
 * a skipped time once, at the jump, and a repeated one once, on its first pass; a wildcard one
 * loses the skipped times and fires the repeated ones twice.
 */
function whatHappens(cron: ParsedCron, change: ZoneTransition, anomaly: DstAnomaly): string {
  const one = anomaly.count === 1;
  const times = anomaly.count <= MAX_NAMED_TIMES ? joinWords(anomaly.wallTimes) : `${anomaly.wallTimes.slice(0, 3).join(", ")} … (${anomaly.count} in all)`;
  if (anomaly.kind === "skipped") {
    const missing = `${times} ${one ? "does" : "do"} not exist that night`;
    if (!cron.fixedTime) return `${missing}, the job skips ${one ? "that fire" : "those fires"}`;
    const jumpTo = formatWallTime(change.at + change.offsetAfter, false);
    return one ? `${missing}, the job fires at ${jumpTo}` : `${missing}, the job fires once, at ${jumpTo}`;
  }
  const twice = `${times} ${one ? "happens" : "happen"} twice`;
  if (cron.fixedTime) return one ? `${twice}, the job fires once, at the first` : `${twice}, the job fires once for each, at the first`;
  return one ? `${twice}, the job fires both times` : `${twice}, the job fires at each of them both times`;
}
