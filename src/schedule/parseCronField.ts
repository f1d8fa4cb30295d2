/**
 * The grammar of one cron field (DESIGN 6.1): lists, ranges (wrapping ones too), steps, names,
 * `H`, and the day specials `L`, `L-3`, `15W`, `LW`, `5L` and `1#2`. Expression-level concerns
 * (field count, macros) live in parseCron.ts.
 */
import { CronSyntaxError } from "../errors/nomaflowError.js";
import { hashedOffset } from "./cronHash.js";

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
  /** Day-of-month `L` (0) and `L-n` (n): days counted back from the last day of the month. */
  readonly daysFromLast: readonly number[];
  /** Day-of-month `15W`: the weekday (Monday to Friday) nearest the 15th, in the same month. */
  readonly nearestWeekdays: readonly number[];
  /** Day-of-month `LW`: the last weekday (Monday to Friday) of the month. */
  readonly lastWeekdayOfMonth: boolean;
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
 * Expands one field's text. `seed` (a job's id) gives `H` its value; without one `H` is refused.
 * Throws {@link CronSyntaxError} with `offset` (the field's index in the whole expression) and a
 * sentence naming the field, the bad part and what is allowed.
 */
export function parseCronField(spec: CronFieldSpec, text: string, offset: number, seed?: string): ParsedCronField {
  const values = new Set<number>();
  const daysFromLast = new Set<number>();
  const nearestWeekdays = new Set<number>();
  const lastWeekdays = new Set<number>();
  const nthWeekdays: NthWeekday[] = [];
  let lastWeekdayOfMonth = false;

  const fail = (part: string, problem: string): never => {
    const subject = part === text ? `\`${text}\`` : `\`${text}\`: \`${part}\``;
    throw new CronSyntaxError(`${spec.name} field ${subject} ${problem}`, offset);
  };

  for (const item of text.split(",")) {
    if (item === "") fail(text, "has an empty item in its list");
    const upper = item.toUpperCase();
    if (spec.name === "day-of-month" && /[LW]/.test(upper)) {
      const lastDay = /^L(?:-(\d+))?$/.exec(upper);
      const nearest = /^(\d+)W$/.exec(upper);
      if (lastDay) {
        const back = Number(lastDay[1] ?? 0);
        if (back > 30) fail(item, "counts back more than 30 days; `L-n` takes n from 1 to 30 (`L-1` is the day before the last)");
        daysFromLast.add(back);
      } else if (upper === "LW") {
        lastWeekdayOfMonth = true;
      } else if (nearest) {
        nearestWeekdays.add(readValue(spec, nearest[1] as string, item, fail));
      } else {
        fail(item, `is not supported; ${DAY_OF_MONTH_RULE}`);
      }
    } else if (spec.name === "day-of-week" && upper.endsWith("L")) {
      if (upper === "L") fail(item, "needs a weekday before `L`, as in `5L` for the last Friday of the month");
      lastWeekdays.add(readValue(spec, item.slice(0, -1), item, fail) % 7);
    } else if (spec.name === "day-of-week" && item.includes("#")) {
      nthWeekdays.push(...readNthWeekdays(spec, item, fail, seed));
    } else {
      for (const value of expandRange(spec, item, fail, seed)) values.add(spec.name === "day-of-week" ? value % 7 : value);
    }
  }

  const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);
  return {
    values: sorted(values),
    startsWithStar: text.startsWith("*") || text.startsWith("?"),
    daysFromLast: sorted(daysFromLast),
    nearestWeekdays: sorted(nearestWeekdays),
    lastWeekdayOfMonth,
    lastWeekdays: sorted(lastWeekdays),
    nthWeekdays,
  };
}

type Fail = (part: string, problem: string) => never;

const DAY_OF_MONTH_RULE =
  "day-of-month takes 1-31, `L` (the last day), `L-3` (3 days before it), `15W` (the weekday nearest the 15th) or `LW` (the last weekday)";

/** `*`, `?`, `H`, `H(a-b)`, `a`, `a-b`, each but `?` optionally followed by `/step`. */
function expandRange(spec: CronFieldSpec, item: string, fail: Fail, seed: string | undefined): number[] {
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

  if (base === "?") {
    // Quartz's "no specific value" is `*` in a day field; elsewhere libraries disagree on it
    // (croner puts the time of start-up there), so it is refused rather than guessed.
    if (spec.name !== "day-of-month" && spec.name !== "day-of-week") {
      fail(item, "is only allowed in the day fields (where `?` means `*`); write `*`, or a fixed value");
    }
    if (slash !== -1) fail(item, `puts a step after \`?\`; write \`*/${step}\``);
    return stepThrough(spec, spec.min, spec.max, 1);
  }
  if (base === "*") return stepThrough(spec, spec.min, spec.max, step);
  if (/^H(?:\(|$)/i.test(base)) return expandHashed(spec, item, base, slash === -1 ? undefined : step, fail, seed);
  if (base.includes("-")) {
    const [from, to, extra] = base.split("-");
    if (extra !== undefined || !from || !to) fail(item, `is not a range; write a range as \`a-b\`, like \`${spec.min}-${spec.max}\``);
    return stepThrough(spec, readValue(spec, from as string, item, fail), readValue(spec, to as string, item, fail), step);
  }
  const first = readValue(spec, base, item, fail);
  // `a/n` means a, a+n, … up to the field's maximum (the common extension of Vixie's grammar).
  return stepThrough(spec, first, slash === -1 ? first : spec.max, step);
}

/**
 * first, first + step, … through last. A range whose first value is above its last wraps past the
 * field's end (`22-2` is 22, 23, 0, 1, 2; `FRI-MON` is Friday to Monday), and the step keeps
 * counting across the wrap. Day-of-week wraps after Saturday, so `MON-SUN` is the whole week.
 */
function stepThrough(spec: CronFieldSpec, first: number, last: number, step: number): number[] {
  const weekday = spec.name === "day-of-week";
  const cycleEnd = weekday ? 6 : spec.max;
  if (weekday && first === 7) {
    first = 0;
    if (last === 7) last = 0;
  }
  const length = first <= last ? last - first + 1 : cycleEnd - first + 1 + (last - spec.min + 1);
  const cycle = cycleEnd - spec.min + 1;
  const values: number[] = [];
  for (let index = 0; index < length; index += step) {
    const value = first + index;
    values.push(value > cycleEnd ? value - cycle : value);
  }
  return values;
}

/**
 * `H` (Jenkins): one value picked by hashing the seed, stable for a job; `H(a-b)` picks it in
 * a-b; `H/n` and `H(a-b)/n` step by n from a hashed start below n. A bare `H` in day-of-month
 * stays within 1-28, so that the job fires every month.
 */
function expandHashed(spec: CronFieldSpec, item: string, base: string, step: number | undefined, fail: Fail, seed: string | undefined): number[] {
  const range = /^H(?:\(([^-()]+)-([^-()]+)\))?$/i.exec(base);
  if (!range) fail(item, "is not an `H` form; write `H`, `H/15`, `H(0-29)` or `H(0-29)/10`");
  if (seed === undefined) {
    fail(item, "needs the job's id to pick its value, and none was given (`nomaflow cron` takes `--seed JOB_ID`)");
  }
  let low = spec.min;
  let high = spec.name === "day-of-week" ? 6 : spec.name === "day-of-month" && step === undefined ? 28 : spec.max;
  if (range?.[1] !== undefined) {
    low = readValue(spec, range[1], item, fail);
    high = readValue(spec, range[2] as string, item, fail);
    if (low > high) fail(item, "has `H(a-b)` with a above b; write the smaller value first");
  }
  const size = high - low + 1;
  const start = low + hashedOffset(seed as string, spec.name, step === undefined ? size : Math.min(step, size));
  return step === undefined ? [start] : stepThrough(spec, start, high, step);
}

/** `1#2`, `MON#2`, `MON-FRI#1`: weekdays and their occurrence in the month. */
function readNthWeekdays(spec: CronFieldSpec, item: string, fail: Fail, seed: string | undefined): NthWeekday[] {
  const [weekdayText, nthText, extra] = item.split("#");
  if (extra !== undefined || !weekdayText) fail(item, "is not a weekday occurrence; write it as `1#2` (the second Monday) or `MON-FRI#1`");
  if (!/^[1-5]$/.test(nthText ?? "")) fail(item, "has an occurrence after `#` that is not 1-5");
  const weekdays = new Set(expandRange(spec, weekdayText as string, fail, seed).map((value) => value % 7));
  return [...weekdays].map((weekday) => ({ weekday, nth: Number(nthText) }));
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
  return fail(token === item ? item : token, notAValue(spec));
}

function notAValue(spec: CronFieldSpec): string {
  switch (spec.name) {
    case "month":
      return "is not a month; use 1-12 or JAN-DEC";
    case "day-of-week":
      return "is not a weekday; use 0-7 (0 and 7 are Sunday) or SUN-SAT";
    case "day-of-month":
      return `is not a day of the month; ${DAY_OF_MONTH_RULE}`;
    default:
      return `is not a number in ${spec.min}-${spec.max}`;
  }
}
