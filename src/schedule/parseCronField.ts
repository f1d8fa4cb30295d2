/**
 * The grammar of one cron field (DESIGN 6.1): lists, ranges, steps, names and the day specials
 * `L`, `5L` and `1#2`. Expression-level concerns (field count, macros) live in parseCron.ts.
 */
import { CronSyntaxError } from "../errors.js";

export type CronFieldName = "second" | "minute" | "hour" | "day-of-month" | "month" | "day-of-week";

/** What one field accepts. */
export interface CronFieldSpec {
  readonly name: CronFieldName;
  readonly min: number;
  readonly max: number;
  /** Names for values `min`, `min + 1`, …, upper case. */
  readonly names?: readonly string[];
}

/** `weekday` (0 = Sunday) on its `nth` occurrence (1-5) in the month, as in `1#2`. */
export interface NthWeekday {
  readonly weekday: number;
  readonly nth: number;
}

/** One field, expanded. */
export interface ParsedCronField {
  /** Plain values, sorted and unique; day-of-week 7 is folded into 0. */
  readonly values: readonly number[];
  /** The raw text starts with `*` or `?` (Vixie's rule for combining the day fields). */
  readonly startsWithStar: boolean;
  /** Day-of-month `L`: the last day of the month. */
  readonly lastDayOfMonth: boolean;
  /** Day-of-week `5L`: these weekdays on their last occurrence in the month. */
  readonly lastWeekdays: readonly number[];
  /** Day-of-week `1#2`. */
  readonly nthWeekdays: readonly NthWeekday[];
}

export const CRON_FIELDS: Readonly<Record<CronFieldName, CronFieldSpec>> = {
  second: { name: "second", min: 0, max: 59 },
  minute: { name: "minute", min: 0, max: 59 },
  hour: { name: "hour", min: 0, max: 23 },
  "day-of-month": { name: "day-of-month", min: 1, max: 31 },
  month: {
    name: "month",
    min: 1,
    max: 12,
    names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  },
  // 7 is accepted as a second spelling of Sunday, so the range runs to 7.
  "day-of-week": { name: "day-of-week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
};

/**
 * Expands one field's text. Throws {@link CronSyntaxError} with `offset` (the field's index in the
 * whole expression) and a sentence naming the field, the bad part and what is allowed.
 */
export function parseCronField(spec: CronFieldSpec, text: string, offset: number): ParsedCronField {
  const values = new Set<number>();
  const lastWeekdays = new Set<number>();
  const nthWeekdays: NthWeekday[] = [];
  let lastDayOfMonth = false;

  const fail = (part: string, problem: string): never => {
    const subject = part === text ? `\`${text}\`` : `\`${text}\`: \`${part}\``;
    throw new CronSyntaxError(`${spec.name} field ${subject} ${problem}`, offset);
  };

  for (const item of text.split(",")) {
    if (item === "") fail(text, "has an empty item in its list");
    const upper = item.toUpperCase();
    if (spec.name === "day-of-month" && upper === "L") {
      lastDayOfMonth = true;
    } else if (spec.name === "day-of-week" && upper.endsWith("L")) {
      if (upper === "L") fail(item, "needs a weekday before `L`, as in `5L` for the last Friday of the month");
      lastWeekdays.add(readValue(spec, item.slice(0, -1), item, fail) % 7);
    } else if (spec.name === "day-of-week" && item.includes("#")) {
      nthWeekdays.push(readNthWeekday(spec, item, fail));
    } else {
      for (const value of expandRange(spec, item, fail)) values.add(spec.name === "day-of-week" ? value % 7 : value);
    }
  }

  return {
    values: [...values].sort((a, b) => a - b),
    startsWithStar: text.startsWith("*") || text.startsWith("?"),
    lastDayOfMonth,
    lastWeekdays: [...lastWeekdays].sort((a, b) => a - b),
    nthWeekdays,
  };
}

type Fail = (part: string, problem: string) => never;

/** `*`, `?`, `a`, `a-b`, each optionally followed by `/step`. */
function expandRange(spec: CronFieldSpec, item: string, fail: Fail): number[] {
  const slash = item.indexOf("/");
  const base = slash === -1 ? item : item.slice(0, slash);
  let step = 1;
  if (slash !== -1) {
    const stepText = item.slice(slash + 1);
    const stepRule = `a step must be a whole number from 1 to ${spec.max}`;
    if (stepText === "") fail(item, `ends with \`/\` and no step; ${stepRule}`);
    if (!/^\d+$/.test(stepText) || Number(stepText) < 1 || Number(stepText) > spec.max) {
      fail(item, `has step \`${stepText}\`, but ${stepRule}`);
    }
    step = Number(stepText);
  }

  let first: number;
  let last: number;
  if (base === "*" || base === "?") {
    first = spec.min;
    last = spec.max;
  } else if (base.includes("-")) {
    const [from, to, extra] = base.split("-");
    if (extra !== undefined || !from || !to) fail(item, `is not a range; write a range as \`a-b\`, like \`${spec.min}-${spec.max}\``);
    first = readValue(spec, from as string, item, fail);
    last = readValue(spec, to as string, item, fail);
    if (first > last) fail(item, "runs backwards; write the smaller value first");
  } else {
    first = readValue(spec, base, item, fail);
    // `a/n` means a, a+n, … up to the field's maximum (the common extension of Vixie's grammar).
    last = slash === -1 ? first : spec.max;
  }

  const expanded: number[] = [];
  for (let value = first; value <= last; value += step) expanded.push(value);
  return expanded;
}

/** `1#2`, `MON#2`: a weekday and its occurrence in the month. */
function readNthWeekday(spec: CronFieldSpec, item: string, fail: Fail): NthWeekday {
  const [weekdayText, nthText, extra] = item.split("#");
  if (extra !== undefined || !weekdayText) fail(item, "is not a weekday occurrence; write it as `1#2` (the second Monday)");
  const weekday = readValue(spec, weekdayText as string, item, fail) % 7;
  if (!/^[1-5]$/.test(nthText ?? "")) fail(item, "has an occurrence after `#` that is not 1-5");
  return { weekday, nth: Number(nthText) };
}

/** One number or name, checked against the field's range. */
function readValue(spec: CronFieldSpec, token: string, item: string, fail: Fail): number {
  if (/^\d+$/.test(token)) {
    const value = Number(token);
    if (value < spec.min || value > spec.max) {
      fail(token === item ? item : token, `is out of range ${spec.min}-${spec.max}`);
    }
    return value;
  }
  const index = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  if (index !== -1) return spec.min + index;
  return fail(token === item ? item : token, notAValue(spec, token));
}

function notAValue(spec: CronFieldSpec, token: string): string {
  switch (spec.name) {
    case "month":
      return "is not a month; use 1-12 or JAN-DEC";
    case "day-of-week":
      return "is not a weekday; use 0-7 (0 and 7 are Sunday) or SUN-SAT";
    case "day-of-month":
      return /[LW]/i.test(token)
        ? "is not supported; day-of-month takes 1-31, or `L` alone for the last day of the month"
        : "is not a day of the month; use 1-31, or `L` for the last day";
    default:
      return `is not a number in ${spec.min}-${spec.max}`;
  }
}
