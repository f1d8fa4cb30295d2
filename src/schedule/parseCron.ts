/**
 * Parsing and validation of a whole cron expression (DESIGN 6.1). The meaning of the parsed
 * fields in real time zones is nextFireTimes.ts's business.
 */
import { CronSyntaxError } from "../errors/nomaflowError.js";
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
  /** Plain days 1-31; `L`, `L-3`, `15W` and `LW` are kept apart. */
  readonly daysOfMonth: readonly number[];
  /** 1-12. */
  readonly months: readonly number[];
  /** Plain weekdays 0-6, 0 = Sunday (7 is folded into 0); `5L` and `1#2` are kept apart. */
  readonly daysOfWeek: readonly number[];
  /** Day-of-month `L` (0) and `L-n` (n): days counted back from the last day of the month. */
  readonly daysFromLast: readonly number[];
  /** Day-of-month `15W`: the weekday (Monday to Friday) nearest the 15th, in the same month. */
  readonly nearestWeekdays: readonly number[];
  /** Day-of-month `LW`: the last weekday (Monday to Friday) of the month. */
  readonly lastWeekdayOfMonth: boolean;
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

/** What parseCron needs besides the text. */
export interface ParseCronOptions {
  /**
   * What `H` hashes: the job's id, so each job keeps its own spread-out time. Without it an
   * expression using `H` is refused.
   */
  readonly seed?: string;
}

interface Token {
  readonly text: string;
  readonly offset: number;
}

/**
 * Parses and validates a cron expression: five fields (minute hour day-of-month month
 * day-of-week), six with a leading seconds field, or a macro (`@yearly`, `@annually`,
 * `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`).
 *
 * Refused with what to write instead: Quartz's seventh field (a year), `@reboot` and `@every`.
 *
 * @throws CronSyntaxError naming the bad field, its value and what is allowed; `offset` is the
 * index of that field in `expression` (for a missing field, the end of the text; for a surplus
 * one, the first field too many).
 */
export function parseCron(expression: string, options: ParseCronOptions = {}): ParsedCron {
  const tokens: Token[] = [...expression.matchAll(/\S+/g)].map((match) => ({ text: match[0], offset: match.index }));
  const first = tokens[0];
  if (first === undefined) throw new CronSyntaxError(`cron expression is empty; it needs ${FIELD_COUNT_RULE}`, 0);

  if (first.text.startsWith("@")) return parseMacro(expression, tokens, first);

  const year = tokens[6];
  if (tokens.length === 7 && year !== undefined && /^([*?]|\d{4}([-,/]\d{1,4})*)$/.test(year.text)) {
    const without = expression.slice(0, year.offset).trimEnd();
    const advice = /^[*?]$/.test(year.text)
      ? `drop it: \`${without}\` means the same`
      : `write \`${without}\`, and disable or delete the job when the year is over`;
    throw new CronSyntaxError(`cron has a 7th field, \`${year.text}\` (a Quartz year), but Nomaflow has no year field; ${advice}`, year.offset);
  }
  if (tokens.length !== 5 && tokens.length !== 6) {
    const offset = tokens[6]?.offset ?? expression.trimEnd().length;
    throw new CronSyntaxError(`cron needs ${FIELD_COUNT_RULE}; got ${tokens.length}`, offset);
  }
  return buildCron(expression, tokens, options.seed);
}

/** Macros other cron implementations know, and what to write instead. */
const REFUSED_MACROS: Readonly<Record<string, string>> = {
  "@reboot":
    "`@reboot` is not supported: the daemon fires jobs on a clock, not when it starts; run `nomaflow run JOB` from whatever starts the daemon (an ExecStartPost= line in its systemd unit)",
  "@every": "`@every` is not supported: write the interval as fields, such as `*/5 * * * *` for every 5 minutes or `0 */2 * * *` for every 2 hours",
};

function parseMacro(expression: string, tokens: readonly Token[], macro: Token): ParsedCron {
  const expansion = MACROS[macro.text.toLowerCase()];
  const refused = REFUSED_MACROS[macro.text.toLowerCase()];
  if (refused !== undefined) throw new CronSyntaxError(refused, macro.offset);
  if (expansion === undefined) {
    throw new CronSyntaxError(`unknown cron macro \`${macro.text}\`; use ${Object.keys(MACROS).join(", ")}, or five fields`, macro.offset);
  }
  const extra = tokens[1];
  if (extra !== undefined) {
    throw new CronSyntaxError(`cron macro \`${macro.text}\` stands alone, but \`${extra.text}\` follows it`, extra.offset);
  }
  // The expansion cannot fail; its fields point at the macro so any offset stays meaningful.
  const expanded = expansion.split(" ").map((text) => ({ text, offset: macro.offset }));
  return buildCron(expression, expanded);
}

function buildCron(source: string, tokens: readonly Token[], seed?: string): ParsedCron {
  const hasSeconds = tokens.length === 6;
  const names: readonly CronFieldName[] = hasSeconds ? ["second", ...FIVE_FIELDS] : FIVE_FIELDS;
  const field = (name: CronFieldName) => {
    const token = tokens[names.indexOf(name)];
    return token === undefined ? undefined : { token, parsed: parseCronField(CRON_FIELDS[name], token.text, token.offset, seed) };
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
    daysFromLast: dayOfMonth.parsed.daysFromLast,
    nearestWeekdays: dayOfMonth.parsed.nearestWeekdays,
    lastWeekdayOfMonth: dayOfMonth.parsed.lastWeekdayOfMonth,
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
  if (!dayOfMonthMustHold || cron.lastWeekdayOfMonth) return;
  // 2000 is a leap year, so February counts its 29th. `15W` needs its 15th; `L-n` a month longer than n days.
  const fits = cron.months.some((m) => {
    const length = daysInMonth(2000, m);
    return [...cron.daysOfMonth, ...cron.nearestWeekdays].some((day) => day <= length) || cron.daysFromLast.some((back) => back < length);
  });
  if (!fits) {
    throw new CronSyntaxError(
      `day-of-month field \`${dayOfMonth.text}\` never occurs in month field \`${month.text}\`, so the schedule would never fire`,
      dayOfMonth.offset,
    );
  }
}
