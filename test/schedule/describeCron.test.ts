// describeCron: the words beside a cron on the console's Jobs page and in `nomaflow cron`'s title.
// One `describe` per syntax parseCron accepts, then a property over random accepted expressions.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CronSyntaxError } from "../../src/errors/nomaflowError.js";
import { describeCron } from "../../src/schedule/describeCron.js";
import { parseCron } from "../../src/schedule/parseCron.js";

const words = (expression: string, seed?: string) => describeCron(expression, parseCron(expression, seed === undefined ? {} : { seed }));

/** Each case: expression → words. */
function expectWords(cases: Readonly<Record<string, string>>, seed?: string): void {
  for (const [expression, expected] of Object.entries(cases)) expect(words(expression, seed), expression).toBe(expected);
}

describe("fixed times of day", () => {
  it("one time, every day", () => {
    expectWords({ "0 2 * * *": "At 02:00, every day", "30 14 * * *": "At 14:30, every day" });
  });

  it("a few times are listed, in the order the clock meets them", () => {
    expectWords({
      "0 2,14 * * *": "At 02:00 and 14:00, every day",
      "0,30 2,14 * * MON-FRI": "At 02:00, 02:30, 14:00 and 14:30, Monday to Friday",
      "0 */4 * * *": "At 00:00, 04:00, 08:00, 12:00, 16:00 and 20:00, every day",
      "0 22-1 * * *": "At 22:00, 23:00, 00:00 and 01:00, every day",
    });
  });
});

describe("steps (*/n, a-b/n, a/n)", () => {
  it("a step dividing the hour is an interval", () => {
    expectWords({ "*/15 * * * *": "Every 15 minutes", "*/1 * * * *": "Every minute", "0-59/30 * * * *": "Every 30 minutes" });
  });

  it("an interval that does not start on the hour says where it starts", () => {
    expectWords({
      "5/15 * * * *": "Every 15 minutes, starting at minute 5 of each hour",
      "10-50/20 * * * *": "Every 20 minutes, starting at minute 10 of each hour",
    });
  });

  it("a step that does not divide the hour is the list of minutes it gives", () => {
    expectWords({ "*/7 * * * *": "At minutes 0, 7, 14 … 56 past every hour", "10-40/15 * * * *": "At minutes 10, 25 and 40 past every hour" });
  });

  it("a step in the hour field", () => {
    expectWords({
      "0 */2 * * *": "At minute 0 past every 2nd hour",
      "0 */3 * * *": "At minute 0 past every 3rd hour",
      "0 1/3 * * *": "At minute 0 past hours 1, 4, 7 … 22",
      "0,30 */2 * * *": "Every 30 minutes during every 2nd hour",
    });
  });

  it("*/15 in the hour field is the two hours it gives, not every 15 hours", () => {
    expectWords({ "0 */15 * * *": "At 00:00 and 15:00, every day" });
  });
});

describe("every minute, every hour, and windows of hours", () => {
  it("wildcards", () => {
    expectWords({
      "* * * * *": "Every minute",
      "5 * * * *": "At minute 5 past every hour",
      "* 2 * * *": "Every minute from 02:00 to 02:59",
      "* 9-17 * * *": "Every minute from 09:00 to 17:59",
    });
  });

  it("an hour range is a window from the first fire of the day to the last", () => {
    expectWords({
      "0 9-17 * * *": "Every hour from 09:00 to 17:00",
      "5 9-17 * * *": "Every hour from 09:05 to 17:05",
      "*/15 9-17 * * 1-5": "Every 15 minutes from 09:00 to 17:45, Monday to Friday",
      "0,10 9-17 * * *": "At minutes 0 and 10 past every hour from 09:00 to 17:10",
      "*/5 1 * * *": "Every 5 minutes from 01:00 to 01:55",
    });
  });
});

describe("lists", () => {
  it("irregular minutes are listed compactly, and counted when long", () => {
    expectWords({
      "0,7,45 * * * *": "At minutes 0, 7 and 45 past every hour",
      "0-29 * * * *": "At minutes 0 to 29 past every hour",
      "0-10,30-40 * * * *": "At minutes 0 to 10 and 30 to 40 past every hour",
      "1,2,3,5,8,13,21,34,55 * * * *": "At 9 chosen minutes past every hour",
      "0 1,2,3,5,8,13,21 * * *": "At minute 0 past hours 1 to 3, 5, 8, 13 and 21",
      "0 0,1,3,4,6,7,9,10,12 * * *": "At minute 0 past 9 chosen hours",
    });
  });
});

describe("names (JAN, MON) and 7 for Sunday", () => {
  it("weekday names, numbers and 7 read the same", () => {
    expectWords({
      "0 9 * * MON": "At 09:00 on Mondays",
      "0 9 * * 1": "At 09:00 on Mondays",
      "0 9 * * 7": "At 09:00 on Sundays",
      "0 9 * * SAT,SUN": "At 09:00 on Saturdays and Sundays",
      "0 9 * * 1-5": "At 09:00, Monday to Friday",
    });
  });

  it("months", () => {
    expectWords({
      "0 0 * JAN,JUL *": "At 00:00, every day in January and July",
      "0 6 1 1,7 *": "At 06:00 on the 1st of January and July",
      "0 9 * 3 MON-FRI": "At 09:00, Monday to Friday in March",
      "0 0 1 */2 *": "At 00:00 on the 1st of January, March, May … November",
      "0 0 1 1-9 *": "At 00:00 on the 1st of January to September",
      "0 0 1 1-11 *": "At 00:00 on the 1st of every month but December",
      "0 0 1 1-3,5-12 *": "At 00:00 on the 1st of every month but April",
      "*/15 * * 12 *": "Every 15 minutes in December",
    });
  });
});

describe("macros", () => {
  it("each macro reads as its expansion", () => {
    expectWords({
      "@yearly": "At 00:00 on the 1st of January",
      "@annually": "At 00:00 on the 1st of January",
      "@monthly": "At 00:00 on the 1st of every month",
      "@weekly": "At 00:00 on Sundays",
      "@daily": "At 00:00, every day",
      "@midnight": "At 00:00, every day",
      "@hourly": "At minute 0 past every hour",
    });
  });
});

describe("days of the month", () => {
  it("plain days", () => {
    expectWords({
      "0 6 1 * *": "At 06:00 on the 1st of every month",
      "0 6 1,15 * *": "At 06:00 on the 1st and 15th of every month",
      "0 6 1-7 * *": "At 06:00 on the 1st to 7th of every month",
      "0 0 */2 * *": "At 00:00 on the 1st, 3rd, 5th … 31st of every month",
      "0 0 1,2,5,9,14,20,22,23 * *": "At 00:00 on 8 chosen days of every month",
    });
  });

  it("L: the last day of the month", () => {
    expectWords({ "0 0 L * *": "At 00:00 on the last day of the month", "0 0 1,L * *": "At 00:00 on the 1st and the last day of the month" });
  });

  it("L-n: n days before the last day", () => {
    expectWords({
      "0 6 L-1 * *": "At 06:00 on the day before the last day of the month",
      "0 6 L-2 * *": "At 06:00 on the 2nd day before the last day of the month",
    });
  });

  it("nW: the weekday nearest a day", () => {
    expectWords({
      "0 9 15W * *": "At 09:00 on the weekday nearest the 15th of the month",
      "0 9 1W * 1-6": "At 09:00 on the weekday nearest the 1st of the month and on Monday to Saturday",
    });
  });

  it("LW: the last weekday of the month", () => {
    expectWords({ "0 18 LW * *": "At 18:00 on the last weekday of the month", "0 18 LW 12 *": "At 18:00 on the last weekday of December" });
  });
});

describe("days of the week", () => {
  it("5L: the last Friday of the month", () => {
    expectWords({ "0 9 * * 5L": "At 09:00 on the last Friday of the month", "0 9 * * 1L,5L": "At 09:00 on the last Monday and Friday of the month" });
  });

  it("1#2: the second Monday of the month", () => {
    expectWords({ "0 9 * * 1#2": "At 09:00 on the second Monday of the month", "0 9 * 6 FRI#5": "At 09:00 on the fifth Friday of June" });
  });

  it("a range before #: each of its days", () => {
    expectWords({ "0 9 * * MON-FRI#1": "At 09:00 on the first Monday, Tuesday, Wednesday, Thursday and Friday of the month" });
  });

  it("plain weekdays beside L or #", () => {
    expectWords({ "0 0 ? * MON,5L": "At 00:00 on Mondays and the last Friday of the month" });
  });
});

describe("wrapping ranges", () => {
  it("hours, weekdays and months wrap past the field's end", () => {
    expectWords({
      "* 22-1 * * *": "Every minute from 22:00 to 01:59",
      "0 12 * * FRI-MON": "At 12:00, Friday to Monday",
      "0 0 1 NOV-FEB *": "At 00:00 on the 1st of November to February",
      // Not one run: listed in the order of the day.
      "0 22-3/2 * * *": "At 00:00, 02:00 and 22:00, every day",
    });
  });

  it("a wrapping day-of-month range is the two runs of each month", () => {
    expectWords({ "0 0 28-3 * *": "At 00:00 on the 1st to 3rd and 28th to 31st of every month" });
  });

  it("MON-SUN: the whole week", () => {
    expectWords({ "0 7 * * MON-SUN": "At 07:00, every day" });
  });
});

describe("?: the same as * in a day field", () => {
  it("reads as *", () => {
    expectWords({ "0 0 ? * MON": "At 00:00 on Mondays", "0 0 12 ? * *": "At 12:00, every day" });
  });
});

describe("the two day fields together (as nextMatchingWall combines them)", () => {
  it("neither starts with *: a day matching either fires", () => {
    expectWords({
      "0 9 1-7 * 1": "At 09:00 on the 1st to 7th of the month and on Mondays",
      "0 0 L * 5L": "At 00:00 on the last day of the month and on the last Friday",
      "0 9 1 1 MON": "At 09:00 on the 1st of the month and on Mondays, in January",
    });
  });

  it("one starts with *: a day must match both", () => {
    expectWords({
      "0 0 */2 * MON": "At 00:00 on the 1st, 3rd, 5th … 31st of the month, if it is a Monday",
      "0 0 1 * */2": "At 00:00 on the 1st of the month, if it is a Tuesday, Thursday, Saturday or Sunday",
      "0 0 13 * */7,5L": "At 00:00 on the 13th of the month, if it is a Sunday or the last Friday of the month",
    });
  });

  it("a field holding every day leaves the other to decide, or fires daily", () => {
    expectWords({
      "0 0 1-31 * MON": "At 00:00, every day",
      "0 0 1 * 0-6": "At 00:00, every day",
      "0 0 */1 * MON": "At 00:00 on Mondays",
      "0 0 1 * *": "At 00:00 on the 1st of every month",
    });
  });
});

describe("H: the value picked from the job's id", () => {
  it("the words give the values picked (the hash is stable: the README shows orders-hourly's minute 19)", () => {
    expectWords({ "H 2 * * *": "At 02:19, every day", "H/15 * * * *": "Every 15 minutes, starting at minute 4 of each hour" }, "orders-hourly");
  });

  it("H(a-b), H(a-b)/n, H in the day of month (1-28) and in the day of week, H#n", () => {
    expectWords(
      {
        "H(0-29)/10 H(1-5) H * *": "At 05:00, 05:10 and 05:20 on the 7th of every month",
        "H H * * H": "At 07:30 on Mondays",
        "0 0 * * H#2": "At 00:00 on the second Monday of the month",
        "H/20 H/6 * * *": "Every 20 minutes, starting at minute 10 of each hour, during hours 1, 7, 13 and 19",
      },
      "billing-sync",
    );
  });
});

describe("a seconds field", () => {
  it("seconds that matter are said", () => {
    expectWords({
      "*/30 * * * * *": "Every 30 seconds",
      "* * * * * *": "Every second",
      "5/10 * * * * *": "Every 10 seconds, starting at second 5 of each minute",
      "15 * * * * *": "At second 15 past every minute",
      "15 0 2 * * *": "At 02:00:15, every day",
      "*/10 * 9-17 * * *": "Every 10 seconds from 09:00:00 to 17:59:50",
      "15 */15 * * * *": "Every 15 minutes, at second 15",
      "*/30 5 * * * *": "Every 30 seconds, at minute 5 past every hour",
    });
  });

  it("a seconds field of 0 reads like five fields", () => {
    expectWords({ "0 0 2 * * *": "At 02:00, every day", "0 */15 * * * *": "Every 15 minutes" });
  });
});

/** One field's text: what its grammar accepts and a few things it refuses (filtered out by parseCron). */
function fieldText(min: number, max: number, extras: readonly string[]): fc.Arbitrary<string> {
  const value = fc.integer({ min, max }).map(String);
  const item = fc.oneof(
    value,
    fc.constant("*"),
    fc.tuple(value, value).map(([a, b]) => `${a}-${b}`),
    fc.tuple(fc.constantFrom("*", "H", `${min}`), fc.integer({ min: 1, max })).map(([base, step]) => `${base}/${step}`),
    fc.tuple(value, value, fc.integer({ min: 1, max })).map(([a, b, step]) => `${a}-${b}/${step}`),
    fc.tuple(value, value).map(([a, b]) => `H(${Math.min(Number(a), Number(b))}-${Math.max(Number(a), Number(b))})`),
    fc.constant("H"),
    ...extras.map((extra) => fc.constant(extra)),
  );
  return fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(","));
}

const expressions = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .tuple(
        fc.option(fieldText(0, 59, []), { nil: undefined }),
        fieldText(0, 59, []),
        fieldText(0, 23, []),
        fieldText(1, 31, ["?", "L", "L-3", "15W", "LW", "1W", "31"]),
        fieldText(1, 12, ["JAN", "NOV-FEB", "FEB"]),
        fieldText(0, 7, ["?", "5L", "1#2", "MON-FRI#1", "SUN", "FRI-MON", "MON-SUN", "0L"]),
      )
      .map((fields) => fields.filter((field) => field !== undefined).join(" ")),
  },
  { weight: 1, arbitrary: fc.constantFrom("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly") },
);

function parsedOrUndefined(expression: string) {
  try {
    return parseCron(expression, { seed: "job-id" });
  } catch (error) {
    if (error instanceof CronSyntaxError) return undefined;
    throw error;
  }
}

describe("any expression parseCron accepts", () => {
  it("has words: never throws, never empty, capitalised, no trailing period, nothing undefined", () => {
    let accepted = 0;
    fc.assert(
      fc.property(expressions, (expression) => {
        const cron = parsedOrUndefined(expression);
        if (cron === undefined) return;
        accepted++;
        const text = describeCron(expression, cron);
        expect(text.trim().length).toBeGreaterThan(0);
        expect(text).toMatch(/^[A-Z]/);
        expect(text).not.toMatch(/[.\s]$/);
        expect(text).not.toMatch(/undefined|NaN|\s\s|,,| ,/);
      }),
      { numRuns: 3000 },
    );
    // The generator is meant to produce mostly valid expressions; a regression there would make the property vacuous.
    expect(accepted).toBeGreaterThan(1000);
  });
});
