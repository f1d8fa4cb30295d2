/**
 * Which local wall times a cron matches, on naive wall ms (see wallClock.ts). Time zones and
 * daylight saving are not involved here; nextFireTimes.ts maps wall times to instants.
 */
import type { ParsedCron } from "./parseCron.js";
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, daysInMonth, wallMs } from "./wallClock.js";

/** Per value, the smallest member of the set that is >= it, or -1; one entry past the maximum. */
type NextTable = Int8Array;

interface CompiledCron {
  readonly nextSecond: NextTable;
  readonly nextMinute: NextTable;
  readonly nextHour: NextTable;
  readonly nextMonth: NextTable;
  readonly firstMonth: number;
  readonly dayOfMonth: Uint8Array;
  readonly dayOfWeek: Uint8Array;
  /** Vixie: the day fields are OR-ed only when neither starts with `*`. */
  readonly eitherDayField: boolean;
  /** Day-of-month has `L`, `L-n`, `15W` or `LW`: days that depend on the month's length. */
  readonly monthRelativeDays: boolean;
  /** Some day rule (those above, or a last weekday such as `5L`) needs the month's length. */
  readonly needsMonthLength: boolean;
}

// Parsed crons are immutable, so their lookup tables can be built once and shared.
const compiled = new WeakMap<ParsedCron, CompiledCron>();

function compile(cron: ParsedCron): CompiledCron {
  let result = compiled.get(cron);
  if (result === undefined) {
    const monthRelativeDays = cron.daysFromLast.length > 0 || cron.nearestWeekdays.length > 0 || cron.lastWeekdayOfMonth;
    result = {
      nextSecond: nextTable(cron.seconds, 59),
      nextMinute: nextTable(cron.minutes, 59),
      nextHour: nextTable(cron.hours, 23),
      nextMonth: nextTable(cron.months, 12),
      firstMonth: cron.months[0] ?? 1,
      dayOfMonth: membership(cron.daysOfMonth, 31),
      dayOfWeek: membership(cron.daysOfWeek, 6),
      eitherDayField: !cron.dayOfMonthStartsWithStar && !cron.dayOfWeekStartsWithStar,
      monthRelativeDays,
      needsMonthLength: monthRelativeDays || cron.lastWeekdays.length > 0,
    };
    compiled.set(cron, result);
  }
  return result;
}

function nextTable(sortedValues: readonly number[], max: number): NextTable {
  const table = new Int8Array(max + 2).fill(-1);
  let next = -1;
  for (let value = max; value >= 0; value--) {
    if (sortedValues.includes(value)) next = value;
    table[value] = next;
  }
  return table;
}

function membership(values: readonly number[], max: number): Uint8Array {
  const mask = new Uint8Array(max + 1);
  for (const value of values) mask[value] = 1;
  return mask;
}

function matchesDay(cron: ParsedCron, table: CompiledCron, year: number, month: number, day: number, weekday: number): boolean {
  // Only rules about the end of the month need its length, and most crons have none.
  const lastDay = table.needsMonthLength ? daysInMonth(year, month) : 31;
  const byDayOfMonth = table.dayOfMonth[day] === 1 || (table.monthRelativeDays && matchesMonthRelativeDay(cron, day, weekday, lastDay));
  const byDayOfWeek =
    table.dayOfWeek[weekday] === 1 ||
    (day + 7 > lastDay && cron.lastWeekdays.includes(weekday)) ||
    cron.nthWeekdays.some((rule) => rule.weekday === weekday && Math.ceil(day / 7) === rule.nth);
  return table.eitherDayField ? byDayOfMonth || byDayOfWeek : byDayOfMonth && byDayOfWeek;
}

/** `L`, `L-n`, `15W`, `LW` on `day`, which falls on `weekday` in a month of `lastDay` days. */
function matchesMonthRelativeDay(cron: ParsedCron, day: number, weekday: number, lastDay: number): boolean {
  if (cron.daysFromLast.includes(lastDay - day)) return true;
  const weekdayOfDay = (other: number) => (((weekday + other - day) % 7) + 7) % 7;
  if (cron.lastWeekdayOfMonth && nearestWeekday(lastDay, weekdayOfDay(lastDay), lastDay) === day) return true;
  return cron.nearestWeekdays.some((target) => target <= lastDay && nearestWeekday(target, weekdayOfDay(target), lastDay) === day);
}

/**
 * Quartz's `W`: a Saturday moves to the Friday before and a Sunday to the Monday after, but never
 * out of the month (a Saturday 1st moves to Monday the 3rd, a Sunday last day to Friday).
 */
function nearestWeekday(target: number, weekday: number, lastDay: number): number {
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === lastDay ? target - 2 : target + 1;
  return target;
}

/**
 * The earliest whole-second wall time >= `fromWall` and < `limitWall` that the cron matches, or
 * undefined. Jumps field by field (month, day, hour, minute, second), so a rare schedule such as
 * `0 0 29 2 *` costs a few dozen steps per year searched, not one per minute.
 */
export function nextMatchingWall(cron: ParsedCron, fromWall: number, limitWall: number): number | undefined {
  const table = compile(cron);
  let wall = Math.ceil(fromWall / SECOND_MS) * SECOND_MS;
  while (wall < limitWall) {
    const date = new Date(wall);
    const year = date.getUTCFullYear();
    const monthIndex = date.getUTCMonth();
    const day = date.getUTCDate();
    const hour = date.getUTCHours();
    const minute = date.getUTCMinutes();
    const second = date.getUTCSeconds();
    // Naive wall ms have no daylight saving: within a month, hours and days are plain arithmetic.
    const hourStart = wall - (minute * 60 + second) * SECOND_MS;
    const dayStart = hourStart - hour * HOUR_MS;

    const month = monthIndex + 1;
    if (table.nextMonth[month] !== month) {
      const next = table.nextMonth[month] ?? -1;
      wall = next === -1 ? wallMs(year + 1, table.firstMonth - 1, 1) : wallMs(year, next - 1, 1);
      continue;
    }
    if (!matchesDay(cron, table, year, month, day, date.getUTCDay())) {
      wall = dayStart + DAY_MS;
      continue;
    }
    const nextHour = table.nextHour[hour] ?? -1;
    if (nextHour !== hour) {
      wall = nextHour === -1 ? dayStart + DAY_MS : dayStart + nextHour * HOUR_MS;
      continue;
    }
    const nextMinute = table.nextMinute[minute] ?? -1;
    if (nextMinute !== minute) {
      wall = nextMinute === -1 ? hourStart + HOUR_MS : hourStart + nextMinute * MINUTE_MS;
      continue;
    }
    const nextSecond = table.nextSecond[second] ?? -1;
    if (nextSecond === -1) {
      wall = hourStart + (minute + 1) * MINUTE_MS;
      continue;
    }
    wall = hourStart + minute * MINUTE_MS + nextSecond * SECOND_MS;
    return wall < limitWall ? wall : undefined;
  }
  return undefined;
}
