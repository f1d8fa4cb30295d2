/**
 * Parsing and validation of a whole cron expression (DESIGN 6.1). The meaning of the parsed
 * fields in real time zones is nextFireTimes.ts's business.
 */
import { CronSyntaxError } from "../errors.js";
import { CRON_FIELDS, parseCronField, type CronFieldName, type NthWeekday } from "./parseCronField.js";
import { daysInMonth } from "./wallClock.js";

export type { NthWeekday } from "./parseCronField.js";

/** A valid cron expression, expanded into sorted value sets. */
export interface ParsedCron {
  /** The expression as written (a macro stays a macro). */
  readonly source: string;
  /** Whether the expression had a leading seconds field. */
  readonly hasSeconds: boolean;
  /** 0-59; `[0]` when there is no seconds field. */
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /** Plain days 1-31; `L` is in {@link ParsedCron.lastDayOfMonth}. */
  readonly daysOfMonth: readonly number[];
  /** 1-12. */
  readonly months: readonly number[];
  /** Plain weekdays 0-6, 0 = Sunday (7 is folded into 0); `5L` and `1#2` are kept apart. */
  readonly daysOfWeek: readonly number[];
  /** Day-of-month `L`. */
  readonly lastDayOfMonth: boolean;
  /** Day-of-week `5L`: the weekdays that match on their last occurrence in the month. */
  readonly lastWeekdays: readonly number[];
  /** Day-of-week `1#2`: the second Monday. */
  readonly nthWeekdays: readonly NthWeekday[];
  /** Raw day-of-month text starts with `*` or `?`. */
  readonly dayOfMonthStartsWithStar: boolean;
  /** Raw day-of-week text starts with `*` or `?`. */
  readonly dayOfWeekStartsWithStar: boolean;
  /**
   * Neither the minute nor the hour field starts with `*`: daylight saving follows cron(8)'s
   * fixed-time rules rather than real elapsed time.
   */
  readonly fixedTime: boolean;
}

const MACROS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const FIVE_FIELDS: readonly CronFieldName[] = ["minute", "hour", "day-of-month", "month", "day-of-week"];
const FIELD_COUNT_RULE = "5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first";

interface Token {
  readonly text: string;
  readonly offset: number;
}

/**
 * Parses and validates a cron expression: five fields (minute hour day-of-month month
 * day-of-week), six with a leading seconds field, or a macro (`@yearly`, `@annually`,
 * `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`).
 *
 * @throws CronSyntaxError naming the bad field, its value and what is allowed; `offset` is the
 * index of that field in `expression` (for a missing field, the end of the text; for a surplus
 * one, the first field too many).
 */
export function parseCron(expression: string): ParsedCron {
  const tokens: Token[] = [...expression.matchAll(/\S+/g)].map((match) => ({ text: match[0], offset: match.index }));
  const first = tokens[0];
  if (first === undefined) throw new CronSyntaxError(`cron expression is empty; it needs ${FIELD_COUNT_RULE}`, 0);

  if (first.text.startsWith("@")) return parseMacro(expression, tokens, first);

  if (tokens.length !== 5 && tokens.length !== 6) {
    const offset = tokens[6]?.offset ?? expression.trimEnd().length;
    throw new CronSyntaxError(`cron needs ${FIELD_COUNT_RULE}; got ${tokens.length}`, offset);
  }
  return buildCron(expression, tokens);
}

function parseMacro(expression: string, tokens: readonly Token[], macro: Token): ParsedCron {
  const expansion = MACROS[macro.text.toLowerCase()];
  if (expansion === undefined) {
    throw new CronSyntaxError(
      `unknown cron macro \`${macro.text}\`; use ${Object.keys(MACROS).join(", ")}, or five fields`,
      macro.offset,
    );
  }
  const extra = tokens[1];
  if (extra !== undefined) {
    throw new CronSyntaxError(`cron macro \`${macro.text}\` stands alone, but \`${extra.text}\` follows it`, extra.offset);
  }
  // The expansion cannot fail; its fields point at the macro so any offset stays meaningful.
  const expanded = expansion.split(" ").map((text) => ({ text, offset: macro.offset }));
  return buildCron(expression, expanded);
}

function buildCron(source: string, tokens: readonly Token[]): ParsedCron {
  const hasSeconds = tokens.length === 6;
  const names: readonly CronFieldName[] = hasSeconds ? ["second", ...FIVE_FIELDS] : FIVE_FIELDS;
  const field = (name: CronFieldName) => {
    const token = tokens[names.indexOf(name)];
    return token === undefined ? undefined : { token, parsed: parseCronField(CRON_FIELDS[name], token.text, token.offset) };
  };

  const second = field("second");
  const minute = field("minute");
  const hour = field("hour");
  const dayOfMonth = field("day-of-month");
  const month = field("month");
  const dayOfWeek = field("day-of-week");
  if (!minute || !hour || !dayOfMonth || !month || !dayOfWeek) throw new Error("unreachable: five fields were counted");

  const cron: ParsedCron = {
    source,
    hasSeconds,
    seconds: second?.parsed.values ?? [0],
    minutes: minute.parsed.values,
    hours: hour.parsed.values,
    daysOfMonth: dayOfMonth.parsed.values,
    months: month.parsed.values,
    daysOfWeek: dayOfWeek.parsed.values,
    lastDayOfMonth: dayOfMonth.parsed.lastDayOfMonth,
    lastWeekdays: dayOfWeek.parsed.lastWeekdays,
    nthWeekdays: dayOfWeek.parsed.nthWeekdays,
    dayOfMonthStartsWithStar: dayOfMonth.parsed.startsWithStar,
    dayOfWeekStartsWithStar: dayOfWeek.parsed.startsWithStar,
    fixedTime: !minute.parsed.startsWithStar && !hour.parsed.startsWithStar,
  };
  assertCanFire(cron, dayOfMonth.token, month.token);
  return cron;
}

/**
 * Rejects `0 0 30 2 *` and the like, which would never fire. Only a day-of-month that must hold
 * on its own can do that: when the day-of-week field starts with `*` it includes Sunday, and
 * every date of the calendar is a Sunday in some year; when both day fields are restricted a
 * weekday alone is enough, and every weekday rule occurs in some month.
 */
function assertCanFire(cron: ParsedCron, dayOfMonth: Token, month: Token): void {
  const dayOfMonthMustHold = cron.dayOfWeekStartsWithStar && !cron.dayOfMonthStartsWithStar;
  if (!dayOfMonthMustHold || cron.lastDayOfMonth) return;
  // 2000 is a leap year, so February counts its 29th.
  const fits = cron.months.some((m) => cron.daysOfMonth.some((day) => day <= daysInMonth(2000, m)));
  if (!fits) {
    throw new CronSyntaxError(
      `day-of-month field \`${dayOfMonth.text}\` never occurs in month field \`${month.text}\`, so the schedule would never fire`,
      dayOfMonth.offset,
    );
  }
}
