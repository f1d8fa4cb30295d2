// Calendar rules of DESIGN 6.1 in UTC, where daylight saving cannot interfere. Dates checked
// against a printed calendar: 2026-01-01 is a Thursday, 2026-11-28 a Saturday, 2028-02-29 a
// Tuesday, 2032-02-29 a Sunday.
import { describe, expect, it } from "vitest";
import { parseCron } from "../../src/schedule/parseCron.js";
import { nextFireTimes } from "../../src/schedule/nextFireTimes.js";
import { expectFires } from "./fireTimesHelper.js";

describe("day-of-month L", () => {
  it("L fires on the last day of each month", () => {
    expectFires("0 0 L * *", "UTC", "2026-01-15T00:00:00+00:00", [
      "2026-01-31T00:00:00+00:00",
      "2026-02-28T00:00:00+00:00",
      "2026-03-31T00:00:00+00:00",
      "2026-04-30T00:00:00+00:00",
    ]);
  });

  it("L is the 29th in a leap February", () => {
    expectFires("0 0 L 2 *", "UTC", "2027-03-01T00:00:00+00:00", ["2028-02-29T00:00:00+00:00", "2029-02-28T00:00:00+00:00"]);
  });
});

describe("day-of-week nL and n#k", () => {
  it("5L is the last Friday of the month", () => {
    expectFires("0 0 * * 5L", "UTC", "2026-01-01T00:00:00+00:00", ["2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00", "2026-03-27T00:00:00+00:00"]);
  });

  it("FRIL is the same as 5L, and 7L is the last Sunday", () => {
    expectFires("0 0 * * FRIL", "UTC", "2026-01-01T00:00:00+00:00", ["2026-01-30T00:00:00+00:00"]);
    expectFires("0 0 * * 7L", "UTC", "2026-01-01T00:00:00+00:00", ["2026-01-25T00:00:00+00:00", "2026-02-22T00:00:00+00:00"]);
  });

  it("1#2 is the second Monday of the month", () => {
    expectFires("0 0 * * 1#2", "UTC", "2026-01-01T00:00:00+00:00", ["2026-01-12T00:00:00+00:00", "2026-02-09T00:00:00+00:00", "2026-03-09T00:00:00+00:00"]);
  });

  it("MON#1 and 1#1 agree: the first Monday", () => {
    expectFires("0 0 * * MON#1", "UTC", "2026-01-01T00:00:00+00:00", ["2026-01-05T00:00:00+00:00", "2026-02-02T00:00:00+00:00"]);
  });
});

describe("combining day-of-month and day-of-week (Vixie)", () => {
  it("OR when neither field starts with *: the 13th or any Friday", () => {
    expectFires("0 0 13 * 5", "UTC", "2026-01-01T00:00:00+00:00", [
      "2026-01-02T00:00:00+00:00",
      "2026-01-09T00:00:00+00:00",
      "2026-01-13T00:00:00+00:00",
      "2026-01-16T00:00:00+00:00",
    ]);
  });

  it("AND when day-of-month starts with *, even as */2: odd days that are Mondays", () => {
    expectFires("0 9 */2 * 1", "UTC", "2026-11-28T00:00:00+00:00", ["2026-12-07T09:00:00+00:00", "2026-12-21T09:00:00+00:00", "2027-01-11T09:00:00+00:00"]);
  });

  it("AND when day-of-week starts with *, even as */2: the 1st when it is a Sun, Tue, Thu or Sat", () => {
    // 2026-01-01 Thu, 2026-02-01 Sun, 2026-03-01 Sun, 2026-04-01 Wed (no), 2026-05-01 Fri (no), 2026-06-01 Mon (no), 2026-07-01 Wed (no), 2026-08-01 Sat.
    expectFires("0 0 1 * */2", "UTC", "2025-12-31T00:00:00+00:00", [
      "2026-01-01T00:00:00+00:00",
      "2026-02-01T00:00:00+00:00",
      "2026-03-01T00:00:00+00:00",
      "2026-08-01T00:00:00+00:00",
    ]);
  });

  it("AND with a plain * day-of-month: only the weekday counts", () => {
    expectFires("0 9 * * 1", "UTC", "2026-11-28T00:00:00+00:00", ["2026-11-30T09:00:00+00:00", "2026-12-07T09:00:00+00:00"]);
  });

  it("? means *: `? * MON` is every Monday, `1 * ?` every 1st", () => {
    expectFires("0 9 ? * MON", "UTC", "2026-11-28T00:00:00+00:00", ["2026-11-30T09:00:00+00:00", "2026-12-07T09:00:00+00:00"]);
    expectFires("0 9 1 * ?", "UTC", "2026-11-28T00:00:00+00:00", ["2026-12-01T09:00:00+00:00", "2027-01-01T09:00:00+00:00"]);
  });
});

describe("names and 7 = Sunday", () => {
  it("7 is Sunday", () => {
    expectFires("0 0 * * 7", "UTC", "2026-11-28T00:00:00+00:00", ["2026-11-29T00:00:00+00:00", "2026-12-06T00:00:00+00:00"]);
  });

  it("5-7 runs Friday to Sunday", () => {
    expectFires("0 0 * * 5-7", "UTC", "2026-11-26T00:00:00+00:00", [
      "2026-11-27T00:00:00+00:00",
      "2026-11-28T00:00:00+00:00",
      "2026-11-29T00:00:00+00:00",
      "2026-12-04T00:00:00+00:00",
    ]);
  });

  it("month and weekday names, in any case, in lists and ranges", () => {
    expectFires("0 0 1 JAN,jul *", "UTC", "2026-02-01T00:00:00+00:00", ["2026-07-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00"]);
    expectFires("0 0 * * mon-Fri", "UTC", "2026-11-27T12:00:00+00:00", ["2026-11-30T00:00:00+00:00", "2026-12-01T00:00:00+00:00"]);
  });
});

describe("macros", () => {
  const from = "2026-11-28T12:34:00+00:00";
  it.each([
    ["@yearly", "2027-01-01T00:00:00+00:00"],
    ["@annually", "2027-01-01T00:00:00+00:00"],
    ["@monthly", "2026-12-01T00:00:00+00:00"],
    ["@weekly", "2026-11-29T00:00:00+00:00"],
    ["@daily", "2026-11-29T00:00:00+00:00"],
    ["@midnight", "2026-11-29T00:00:00+00:00"],
    ["@hourly", "2026-11-28T13:00:00+00:00"],
  ])("%s fires next at %s", (macro, next) => {
    expectFires(macro, "UTC", from, [next]);
  });

  it("@daily in Sao Paulo on the day midnight is skipped fires at 01:00", () => {
    expectFires("@daily", "America/Sao_Paulo", "2018-11-03T12:00:00-03:00", ["2018-11-04T01:00:00-02:00"]);
  });
});

describe("seconds", () => {
  it("a leading seconds field fires within the minute", () => {
    expectFires("*/20 * * * * *", "UTC", "2026-01-01T00:00:00+00:00", ["2026-01-01T00:00:20+00:00", "2026-01-01T00:00:40+00:00", "2026-01-01T00:01:00+00:00"]);
  });

  it("a six-field fixed time", () => {
    expectFires("30 0 2 * * *", "UTC", "2026-01-01T00:00:00+00:00", ["2026-01-01T02:00:30+00:00", "2026-01-02T02:00:30+00:00"]);
  });

  it("a fixed second within a skipped minute fires at the end of the gap", () => {
    expectFires("30 15 2 * * *", "Europe/Paris", "2027-03-27T12:00:00+01:00", ["2027-03-28T03:00:00+02:00", "2027-03-29T02:15:30+02:00"]);
  });
});

describe("fires are strictly after from", () => {
  it("a fire exactly at from is not returned", () => {
    expectFires("0 2 * * *", "UTC", "2026-01-01T02:00:00+00:00", ["2026-01-02T02:00:00+00:00"]);
  });

  it("a fractional from just before a fire still gets it", () => {
    const fires = nextFireTimes(parseCron("0 2 * * *"), "UTC", Date.parse("2026-01-01T02:00:00Z") - 0.5, 1);
    expect(fires).toEqual([Date.parse("2026-01-01T02:00:00Z")]);
  });
});

describe("rare schedules", () => {
  it("0 0 29 2 * finds the next 29 February, in UTC and in Paris", () => {
    expectFires("0 0 29 2 *", "UTC", "2026-03-01T00:00:00+00:00", ["2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"]);
    expectFires("0 0 29 2 *", "Europe/Paris", "2026-03-01T00:00:00+01:00", ["2028-02-29T00:00:00+01:00", "2032-02-29T00:00:00+01:00"]);
  });

  it("a fifth Monday in February (only when the 29th is a Monday) is found decades ahead", () => {
    // Feb 29 falls on a Monday in 2016 and then 2044.
    expectFires("0 0 * 2 1#5", "Europe/Paris", "2017-01-01T00:00:00+01:00", ["2044-02-29T00:00:00+01:00"]);
  });

  it("the 29th of February that is a Sunday (OR): Sundays of February come first", () => {
    expectFires("0 0 29 2 SUN", "UTC", "2032-02-20T00:00:00+00:00", ["2032-02-22T00:00:00+00:00", "2032-02-29T00:00:00+00:00"]);
  });
});
