/**
 * The days and months of a cron in words, for describeCron.ts: which days fire, following how
 * nextMatchingWall.ts combines the two day fields (either one when neither starts with `*`,
 * else both).
 */
import type { ParsedCron } from "./parseCron.js";
import { MONTH_NAMES, WEEKDAY_NAMES, cyclicRun, joinWords, listValues, ordinal } from "./cronWords.js";

/** The day and month part of a description. */
export interface DayWords {
  /** Appended to the time of day: ` on the 1st of every month`, `, Monday to Friday`, ` in July`, or empty. */
  readonly text: string;
  /** No day is left out (the months may still be restricted). */
  readonly everyDay: boolean;
}

const NTH_WORDS = ["first", "second", "third", "fourth", "fifth"] as const;

export function dayWords(cron: ParsedCron): DayWords {
  const months = monthWords(cron.months);
  const inMonths = months === undefined ? "" : ` in ${months}`;
  // A field holding every plain value matches every day, whatever specials it also has.
  const dayOfMonthAll = cron.daysOfMonth.length === 31;
  const dayOfWeekAll = cron.daysOfWeek.length === 7;
  const either = !cron.dayOfMonthStartsWithStar && !cron.dayOfWeekStartsWithStar;

  if (either ? dayOfMonthAll || dayOfWeekAll : dayOfMonthAll && dayOfWeekAll) return { text: inMonths, everyDay: true };
  if (either) {
    return { text: ` on ${daysOfMonthItems(cron)} of the month and on ${weekdayItems(cron)}${commaIn(months)}`, everyDay: false };
  }
  if (!dayOfMonthAll && !dayOfWeekAll) {
    return { text: ` on ${daysOfMonthItems(cron)} of the month, if it is ${weekdaysAlternatives(cron)}${commaIn(months)}`, everyDay: false };
  }
  if (!dayOfMonthAll) {
    const relative = cron.daysFromLast.length > 0 || cron.nearestWeekdays.length > 0 || cron.lastWeekdayOfMonth;
    return { text: ` on ${daysOfMonthItems(cron)} of ${months ?? (relative ? "the month" : "every month")}`, everyDay: false };
  }
  return { text: weekdaysOnly(cron, months), everyDay: false };
}

const commaIn = (months: string | undefined) => (months === undefined ? "" : `, in ${months}`);

/** `January and July`, `November to February`, `every month but March`; undefined for all twelve. */
export function monthWords(months: readonly number[]): string | undefined {
  if (months.length === 12) return undefined;
  const name = (month: number) => MONTH_NAMES[month - 1] as string;
  if (months.length >= 10) {
    const missing = MONTH_NAMES.map((_, index) => index + 1).filter((month) => !months.includes(month));
    return `every month but ${joinWords(missing.map(name))}`;
  }
  const run = cyclicRun(months, 1, 12);
  if (run !== undefined && run.from !== run.to && (run.to - run.from + 12) % 12 >= 2) return `${name(run.from)} to ${name(run.to)}`;
  return listValues(months, name) ?? joinWords(months.map(name));
}

/** `the 1st and 15th`, `the 1st to 7th`, `12 chosen days`, `the last day`, `the weekday nearest the 15th`. */
function daysOfMonthItems(cron: ParsedCron): string {
  const items: string[] = [];
  if (cron.daysOfMonth.length > 0) {
    const listed = listValues(cron.daysOfMonth, ordinal);
    items.push(listed === undefined ? `${cron.daysOfMonth.length} chosen days` : `the ${listed}`);
  }
  for (const back of cron.daysFromLast) {
    items.push(back === 0 ? "the last day" : back === 1 ? "the day before the last day" : `the ${ordinal(back)} day before the last day`);
  }
  for (const day of cron.nearestWeekdays) items.push(`the weekday nearest the ${ordinal(day)}`);
  if (cron.lastWeekdayOfMonth) items.push("the last weekday");
  return joinWords(items);
}

const plural = (weekday: number) => `${WEEKDAY_NAMES[weekday] as string}s`;

/** Plain weekdays: `Monday to Friday` (a run of three or more, wrapping past Saturday too) or `Mondays and Fridays`. */
function plainWeekdays(weekdays: readonly number[]): string {
  const run = cyclicRun(weekdays, 0, 6);
  if (run !== undefined && (run.to - run.from + 7) % 7 >= 2) return `${WEEKDAY_NAMES[run.from] as string} to ${WEEKDAY_NAMES[run.to] as string}`;
  return joinWords(mondayFirst(weekdays).map(plural));
}

/** Weekdays listed as a calendar page shows them, Monday to Sunday. */
const mondayFirst = (weekdays: readonly number[]) => [...weekdays].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7));

/** `the last Friday`, `the second Monday`, `the first Monday and Tuesday`: without "of the month". */
function weekdaysInMonth(cron: ParsedCron): string[] {
  const items: string[] = [];
  const names = (weekdays: readonly number[]) => joinWords(mondayFirst(weekdays).map((weekday) => WEEKDAY_NAMES[weekday] as string));
  NTH_WORDS.forEach((word, index) => {
    const weekdays = cron.nthWeekdays.filter((rule) => rule.nth === index + 1).map((rule) => rule.weekday);
    if (weekdays.length > 0) items.push(`the ${word} ${names(weekdays)}`);
  });
  if (cron.lastWeekdays.length > 0) items.push(`the last ${names(cron.lastWeekdays)}`);
  return items;
}

/** The day-of-week field after "on": `Mondays`, `Monday to Friday and the last Saturday`. */
function weekdayItems(cron: ParsedCron): string {
  const items = cron.daysOfWeek.length > 0 ? [plainWeekdays(cron.daysOfWeek), ...weekdaysInMonth(cron)] : weekdaysInMonth(cron);
  return joinWords(items);
}

/** The day-of-week field as a condition: `a Monday`, `a Sunday, Tuesday or Thursday`, `the last Friday of the month`. */
function weekdaysAlternatives(cron: ParsedCron): string {
  const items: string[] = [];
  if (cron.daysOfWeek.length > 0)
    items.push(
      `a ${joinWords(
        mondayFirst(cron.daysOfWeek).map((weekday) => WEEKDAY_NAMES[weekday] as string),
        "or",
      )}`,
    );
  const inMonth = weekdaysInMonth(cron);
  if (inMonth.length > 0) items.push(`${joinWords(inMonth, "or")} of the month`);
  return joinWords(items, "or");
}

/** Only the day-of-week field restricts the days. */
function weekdaysOnly(cron: ParsedCron, months: string | undefined): string {
  const inMonth = weekdaysInMonth(cron);
  if (cron.daysOfWeek.length === 0) return ` on ${joinWords(inMonth)} of ${months ?? "the month"}`;
  const plain = plainWeekdays(cron.daysOfWeek);
  if (inMonth.length > 0) return ` on ${joinWords([plain, ...inMonth])} of the month${commaIn(months)}`;
  const inMonths = months === undefined ? "" : ` in ${months}`;
  return plain.includes(" to ") ? `, ${plain}${inMonths}` : ` on ${plain}${inMonths}`;
}
