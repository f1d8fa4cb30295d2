// nextFireTimes against a slow, obviously-correct oracle: step through real instants one minute
// at a time with luxon and apply DESIGN 6.1 literally. Random schedules, random start instants
// around real transitions. The oracle shares nothing with the code under test but the parsed
// value sets (parseCron has its own tests).
import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { fireTimesAfter } from "../../src/schedule/nextFireTimes.js";
import { parseCron, type ParsedCron } from "../../src/schedule/parseCron.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Real transitions (instant) to search around, from the tz database. */
const around: ReadonlyArray<{ zone: string; at: string }> = [
  { zone: "Europe/Paris", at: "2027-03-28T01:00:00Z" },
  { zone: "Europe/Paris", at: "2026-10-25T01:00:00Z" },
  { zone: "America/New_York", at: "2026-03-08T07:00:00Z" },
  { zone: "America/New_York", at: "2026-11-01T06:00:00Z" },
  { zone: "Australia/Lord_Howe", at: "2027-10-02T15:30:00Z" },
  { zone: "Australia/Lord_Howe", at: "2027-04-03T15:00:00Z" },
  { zone: "America/Sao_Paulo", at: "2018-11-04T03:00:00Z" },
  { zone: "America/Sao_Paulo", at: "2019-02-17T02:00:00Z" },
  { zone: "Asia/Kolkata", at: "2027-03-28T01:00:00Z" },
  { zone: "UTC", at: "2026-10-25T01:00:00Z" },
];

function localWall(instant: number, zone: string): number {
  const local = DateTime.fromMillis(instant, { zone });
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
}

function oracleMatches(cron: ParsedCron, wall: number): boolean {
  const date = new Date(wall);
  const day = date.getUTCDate();
  const weekday = date.getUTCDay();
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  if (!cron.minutes.includes(date.getUTCMinutes()) || !cron.hours.includes(date.getUTCHours())) return false;
  if (!cron.months.includes(date.getUTCMonth() + 1)) return false;
  const weekdayOf = (other: number) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), other)).getUTCDay();
  const isWeekday = (other: number) => weekdayOf(other) >= 1 && weekdayOf(other) <= 5;
  // Quartz W: Saturday → the Friday before, Sunday → the Monday after, never leaving the month.
  const nearest = (target: number) =>
    isWeekday(target) ? target : weekdayOf(target) === 6 ? (target > 1 ? target - 1 : target + 2) : target < lastDay ? target + 1 : target - 2;
  let lastWeekday = lastDay;
  while (!isWeekday(lastWeekday)) lastWeekday--;
  const byDayOfMonth =
    cron.daysOfMonth.includes(day) ||
    cron.daysFromLast.some((back) => day === lastDay - back) ||
    (cron.lastWeekdayOfMonth && day === lastWeekday) ||
    cron.nearestWeekdays.some((target) => target <= lastDay && nearest(target) === day);
  const byDayOfWeek =
    cron.daysOfWeek.includes(weekday) ||
    (cron.lastWeekdays.includes(weekday) && day > lastDay - 7) ||
    cron.nthWeekdays.some((rule) => rule.weekday === weekday && Math.floor((day - 1) / 7) + 1 === rule.nth);
  const either = !cron.dayOfMonthStartsWithStar && !cron.dayOfWeekStartsWithStar;
  return either ? byDayOfMonth || byDayOfWeek : byDayOfMonth && byDayOfWeek;
}

/** DESIGN 6.1 read literally, for minute-level schedules, fires in (from, until]. */
function oracle(cron: ParsedCron, zone: string, from: number, until: number): number[] {
  const fires: number[] = [];
  let highestWallShown = Number.NEGATIVE_INFINITY;
  // Start a day early so the clock's history (a fall-back just before `from`) is known.
  for (let instant = Math.floor((from - 24 * HOUR) / MINUTE) * MINUTE; instant <= until; instant += MINUTE) {
    const wall = localWall(instant, zone);
    let fires_now: boolean;
    if (cron.fixedTime) {
      // Fixed time: a wall time fires at the first instant the clock shows it or anything later.
      fires_now = false;
      if (wall > highestWallShown) {
        const lowest = highestWallShown === Number.NEGATIVE_INFINITY ? wall : highestWallShown + MINUTE;
        for (let candidate = lowest; candidate <= wall; candidate += MINUTE) fires_now ||= oracleMatches(cron, candidate);
        highestWallShown = wall;
      }
    } else {
      // Wildcard: real elapsed time; whatever the clock shows, when it shows it.
      fires_now = oracleMatches(cron, wall);
    }
    if (fires_now && instant > from) fires.push(instant);
  }
  return fires;
}

const minuteField = fc.oneof(
  fc.constant("*"),
  fc.constantFrom("*/15", "*/20", "*/30", "*/7"),
  fc.uniqueArray(fc.constantFrom(0, 10, 15, 29, 30, 45, 59), { minLength: 1, maxLength: 3 }).map((values) => values.join(",")),
  fc.constantFrom("10-20", "0-5/5", "50-10", "H/20"),
);
const hourField = fc.oneof(
  fc.constant("*"),
  fc.constantFrom("*/2", "*/3"),
  fc.uniqueArray(fc.constantFrom(0, 1, 2, 3, 4, 22, 23), { minLength: 1, maxLength: 3 }).map((values) => values.join(",")),
  fc.constantFrom("1-3", "0-2", "22-23", "23-2", "H(1-3)"),
);
const dayFields = fc.constantFrom(
  "* *",
  "* 0",
  "*/2 *",
  "L *",
  "1-7,16-20 0",
  "? 6,0",
  "* 1-5",
  "4,17 *",
  "* 0L",
  "* 6#1,0#1",
  "1W *",
  "3W *",
  "25W 0",
  "L-3 *",
  "L-6 *",
  "LW *",
  "L-1,31W *",
  "* SAT-MON",
  "* FRI-SUN#4",
);

describe("nextFireTimes agrees with a minute-by-minute oracle", () => {
  it("around real transitions, for random schedules and start instants", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...around),
        minuteField,
        hourField,
        dayFields,
        // Instants next to the change are where boundary slips hide.
        fc.oneof(fc.constantFrom(-1, 0, 1, -MINUTE, MINUTE - 1), fc.integer({ min: -28 * HOUR, max: 4 * HOUR })),
        (transition, minute, hour, days, fromOffset) => {
          const cron = parseCron(`${minute} ${hour} ${days.split(" ")[0]} * ${days.split(" ")[1]}`, { seed: "oracle" });
          const from = Date.parse(transition.at) + fromOffset;
          const until = from + 30 * HOUR;
          const ours: number[] = [];
          for (const fire of fireTimesAfter(cron, transition.zone, from)) {
            if (fire > until) break;
            ours.push(fire);
          }
          expect(ours).toEqual(oracle(cron, transition.zone, from, until));
        },
      ),
      { numRuns: 200 },
    );
  });
});
