// DESIGN 6.1 grammar: what a cron expression expands to, and how a bad one is reported.
import { describe, expect, it } from "vitest";
import { CronSyntaxError } from "../../src/errors/nomaflowError.js";
import { parseCron } from "../../src/schedule/parseCron.js";

const range = (from: number, to: number, step = 1): number[] => {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
};

describe("parseCron expands fields", () => {
  it("keeps the source and expands five fields; seconds default to [0]", () => {
    const cron = parseCron("*/15 9-17 1,15 JAN-MAR mon-fri");
    expect(cron).toMatchObject({
      source: "*/15 9-17 1,15 JAN-MAR mon-fri",
      hasSeconds: false,
      seconds: [0],
      minutes: [0, 15, 30, 45],
      hours: range(9, 17),
      daysOfMonth: [1, 15],
      months: [1, 2, 3],
      daysOfWeek: [1, 2, 3, 4, 5],
      daysFromLast: [],
      nearestWeekdays: [],
      lastWeekdayOfMonth: false,
      lastWeekdays: [],
      nthWeekdays: [],
      dayOfMonthStartsWithStar: false,
      dayOfWeekStartsWithStar: false,
      fixedTime: false,
    });
  });

  it("reads a leading seconds field when there are six", () => {
    const cron = parseCron("5,10 0 2 * * *");
    expect(cron).toMatchObject({ hasSeconds: true, seconds: [5, 10], minutes: [0], hours: [2], fixedTime: true });
  });

  it("sorts and de-duplicates values", () => {
    expect(parseCron("30,5,5,10-12 * * * *").minutes).toEqual([5, 10, 11, 12, 30]);
  });

  it("steps: */n, a-b/n and a/n", () => {
    expect(parseCron("1-10/2 */6 * * *")).toMatchObject({ minutes: [1, 3, 5, 7, 9], hours: [0, 6, 12, 18] });
    expect(parseCron("50/5 * * * *").minutes).toEqual([50, 55]);
  });

  it("day-of-week 7 is Sunday and ranges through 7 wrap to 0", () => {
    expect(parseCron("0 0 * * 7").daysOfWeek).toEqual([0]);
    expect(parseCron("0 0 * * 5-7").daysOfWeek).toEqual([0, 5, 6]);
    expect(parseCron("0 0 * * SUN,sat").daysOfWeek).toEqual([0, 6]);
  });

  it("? counts as * for the day fields' starts-with-star rule", () => {
    expect(parseCron("0 0 ? * 1")).toMatchObject({ dayOfMonthStartsWithStar: true, daysOfMonth: range(1, 31) });
    expect(parseCron("0 0 1 * ?")).toMatchObject({ dayOfWeekStartsWithStar: true, daysOfWeek: range(0, 6) });
  });

  it("*/2 starts with * (Vixie)", () => {
    expect(parseCron("0 9 */2 * 1")).toMatchObject({ dayOfMonthStartsWithStar: true, dayOfWeekStartsWithStar: false });
  });

  it("day specials: L, L-n, nW, LW, 5L, 1#2", () => {
    expect(parseCron("0 0 L * *")).toMatchObject({ daysFromLast: [0], daysOfMonth: [] });
    expect(parseCron("0 0 1,L * *")).toMatchObject({ daysFromLast: [0], daysOfMonth: [1] });
    expect(parseCron("0 0 L-3,l-1 * *")).toMatchObject({ daysFromLast: [1, 3], daysOfMonth: [] });
    expect(parseCron("0 0 15W,1w,LW * *")).toMatchObject({ nearestWeekdays: [1, 15], lastWeekdayOfMonth: true, daysOfMonth: [] });
    expect(parseCron("0 0 * * 5L")).toMatchObject({ lastWeekdays: [5], daysOfWeek: [] });
    expect(parseCron("0 0 * * 7l")).toMatchObject({ lastWeekdays: [0] });
    expect(parseCron("0 0 * * 1#2,FRI#1")).toMatchObject({
      nthWeekdays: [
        { weekday: 1, nth: 2 },
        { weekday: 5, nth: 1 },
      ],
    });
  });

  it("fixedTime: neither minute nor hour starts with *", () => {
    expect(parseCron("0 2 * * *").fixedTime).toBe(true);
    expect(parseCron("0,30 1-3 * * *").fixedTime).toBe(true);
    expect(parseCron("* 2 * * *").fixedTime).toBe(false);
    expect(parseCron("0 */2 * * *").fixedTime).toBe(false);
    expect(parseCron("* 0 2 * * *").fixedTime).toBe(true);
  });

  it.each([
    ["@yearly", "0 0 1 1 *"],
    ["@annually", "0 0 1 1 *"],
    ["@monthly", "0 0 1 * *"],
    ["@weekly", "0 0 * * 0"],
    ["@daily", "0 0 * * *"],
    ["@midnight", "0 0 * * *"],
    ["@hourly", "0 * * * *"],
  ])("%s means %s and keeps its own source text", (macro, fields) => {
    const { source, ...expanded } = parseCron(macro);
    const { source: _fieldsSource, ...expected } = parseCron(fields);
    expect(source).toBe(macro);
    expect(expanded).toEqual(expected);
  });

  it("macros are case-insensitive and surrounding blanks are fine", () => {
    expect(parseCron("  @Daily ").hours).toEqual([0]);
    expect(parseCron("\t0  2 * *\t*\n").hours).toEqual([2]);
  });
});

/** The error parseCron throws, for checking message and offset together. */
function syntaxError(expression: string, seed?: string): { message: string; offset: number } {
  try {
    parseCron(expression, { seed });
  } catch (error) {
    expect(error).toBeInstanceOf(CronSyntaxError);
    const { message, offset } = error as CronSyntaxError;
    return { message, offset };
  }
  throw new Error(`expected ${JSON.stringify(expression)} to be rejected`);
}

describe("parseCron rejects bad expressions with a sentence and the bad field's offset", () => {
  it.each([
    ["", "cron expression is empty; it needs 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first", 0],
    ["   ", "cron expression is empty; it needs 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first", 0],
    ["0 * * *", "cron needs 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; got 4", 7],
    [
      "0 0 0 * * * 2027",
      "cron has a 7th field, `2027` (a Quartz year), but Nomaflow has no year field; write `0 0 0 * * *`, and disable or delete the job when the year is over",
      12,
    ],
    ["0 0 12 ? * MON *", "cron has a 7th field, `*` (a Quartz year), but Nomaflow has no year field; drop it: `0 0 12 ? * MON` means the same", 15],
    ["0 0 0 * * * x", "cron needs 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; got 7", 12],
    ["61 * * * *", "minute field `61` is out of range 0-59", 0],
    ["0 24 * * *", "hour field `24` is out of range 0-23", 2],
    ["0 0 0 * *", "day-of-month field `0` is out of range 1-31", 4],
    ["0 0 * 13 *", "month field `13` is out of range 1-12", 6],
    ["0 0 * * 8", "day-of-week field `8` is out of range 0-7", 8],
    ["61 0 * * * *", "second field `61` is out of range 0-59", 0],
    ["0 61 * * * *", "minute field `61` is out of range 0-59", 2],
    ["5,61 * * * *", "minute field `5,61`: `61` is out of range 0-59", 0],
    ["0-61 * * * *", "minute field `0-61`: `61` is out of range 0-59", 0],
    ["0 0 * FOO *", "month field `FOO` is not a month; use 1-12 or JAN-DEC", 6],
    ["0 0 * * FUN", "day-of-week field `FUN` is not a weekday; use 0-7 (0 and 7 are Sunday) or SUN-SAT", 8],
    ["0 0 * * MON-FUN", "day-of-week field `MON-FUN`: `FUN` is not a weekday; use 0-7 (0 and 7 are Sunday) or SUN-SAT", 8],
    ["0 MON * * *", "hour field `MON` is not a number in 0-23", 2],
    [
      "0 0 JAN * *",
      "day-of-month field `JAN` is not a day of the month; day-of-month takes 1-31, `L` (the last day), `L-3` (3 days before it), `15W` (the weekday nearest the 15th) or `LW` (the last weekday)",
      4,
    ],
    ["*/0 * * * *", "minute field `*/0` has step `0`, but a step must be a whole number from 1 to 59", 0],
    ["*/x * * * *", "minute field `*/x` has step `x`, but a step must be a whole number from 1 to 59", 0],
    ["*/60 * * * *", "minute field `*/60` has step `60`, but a step must be a whole number from 1 to 59", 0],
    ["0 */ * * *", "hour field `*/` ends with `/` and no step; a step must be a whole number from 1 to 23", 2],
    ["1-5/2/3 * * * *", "minute field `1-5/2/3` has step `2/3`, but a step must be a whole number from 1 to 59", 0],
    ["1,,2 * * * *", "minute field `1,,2` has an empty item in its list", 0],
    ["0 0 * * L", "day-of-week field `L` needs a weekday before `L`, as in `5L` for the last Friday of the month", 8],
    ["0 0 * * 1#6", "day-of-week field `1#6` has an occurrence after `#` that is not 1-5", 8],
    [
      "0 0 1-15W * *",
      "day-of-month field `1-15W` is not supported; day-of-month takes 1-31, `L` (the last day), `L-3` (3 days before it), `15W` (the weekday nearest the 15th) or `LW` (the last weekday)",
      4,
    ],
    ["0 0 32W * *", "day-of-month field `32W`: `32` is out of range 1-31", 4],
    ["0 0 L-31 * *", "day-of-month field `L-31` counts back more than 30 days; `L-n` takes n from 1 to 30 (`L-1` is the day before the last)", 4],
    ["? * * * *", "minute field `?` is only allowed in the day fields (where `?` means `*`); write `*`, or a fixed value", 0],
    ["0 0 ?/2 * *", "day-of-month field `?/2` puts a step after `?`; write `*/2`", 4],
    ["0 0 * * 1-5#6", "day-of-week field `1-5#6` has an occurrence after `#` that is not 1-5", 8],
    ["H(5-2) * * * *", "minute field `H(5-2)` has `H(a-b)` with a above b; write the smaller value first", 0],
    ["Hx * * * *", "minute field `Hx` is not a number in 0-59", 0],
    [
      "@reboot",
      "`@reboot` is not supported: the daemon fires jobs on a clock, not when it starts; run `nomaflow run JOB` from whatever starts the daemon (an ExecStartPost= line in its systemd unit)",
      0,
    ],
    ["@every 5m", "`@every` is not supported: write the interval as fields, such as `*/5 * * * *` for every 5 minutes or `0 */2 * * *` for every 2 hours", 0],
    ["0 L * * *", "hour field `L` is not a number in 0-23", 2],
    ["@fortnightly", "unknown cron macro `@fortnightly`; use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, or five fields", 0],
    ["@daily 5", "cron macro `@daily` stands alone, but `5` follows it", 7],
    ["0 0 30 2 *", "day-of-month field `30` never occurs in month field `2`, so the schedule would never fire", 4],
    ["0 0 31 APR,JUN *", "day-of-month field `31` never occurs in month field `APR,JUN`, so the schedule would never fire", 4],
  ])("%j → %s (offset %i)", (expression, message, offset) => {
    expect(syntaxError(expression, "some-job")).toEqual({ message, offset });
  });

  it("30 February is fine when a weekday can fire instead (OR)", () => {
    expect(() => parseCron("0 0 30 2 MON")).not.toThrow();
  });

  it("offsets count leading blanks", () => {
    expect(syntaxError("  0 24 * * *").offset).toBe(4);
  });
});
