// Conformance cases for the cron syntax other cron libraries accept and real crontabs use, one
// `describe` per syntax, each a pure function of (expression, zone, start instant). Weekdays were
// checked with Python's calendar: 2026-08-01 is a Saturday, 2026-11-01 a Sunday, 2027-01-01 a
// Friday, 2027-01-31 a Sunday, 2027-02-28 a Sunday, 2027-05-01 a Saturday.
import { describe, expect, it } from "vitest";
import { CronSyntaxError } from "../../src/errors/nomaflowError.js";
import { parseCron } from "../../src/schedule/parseCron.js";
import { expectFires, fires } from "./fireTimesHelper.js";

const midnight = (days: readonly string[]) => days.map((day) => `${day}T00:00:00+00:00`);

describe("nW: the weekday nearest a day, within its month", () => {
  it("15W: a Saturday 15th fires on Friday the 14th, a Sunday one on Monday the 16th", () => {
    expectFires("0 0 15W * *", "UTC", "2026-08-01T00:00:00+00:00", midnight(["2026-08-14", "2026-09-15", "2026-10-15", "2026-11-16"]));
  });

  it("1W: a Saturday 1st fires on Monday the 3rd, never in the month before", () => {
    expectFires("0 0 1W * *", "UTC", "2027-04-15T00:00:00+00:00", midnight(["2027-05-03", "2027-06-01"]));
  });

  it("31W: a Sunday 31st fires on Friday the 29th; months without a 31st do not fire", () => {
    expectFires("0 0 31W * *", "UTC", "2026-12-31T12:00:00+00:00", midnight(["2027-01-29", "2027-03-31", "2027-05-31"]));
  });

  it("nW in a list with plain days", () => {
    expectFires("0 0 1,15W * *", "UTC", "2026-08-01T12:00:00+00:00", midnight(["2026-08-14", "2026-09-01", "2026-09-15"]));
  });
});

describe("LW: the last weekday of the month", () => {
  it("fires on the last Monday-to-Friday day", () => {
    expectFires("0 0 LW * *", "UTC", "2026-12-31T12:00:00+00:00", midnight(["2027-01-29", "2027-02-26", "2027-03-31"]));
  });
});

describe("L-n: n days before the last day of the month", () => {
  it("L-2 follows the month's length", () => {
    expectFires("0 0 L-2 * *", "UTC", "2026-12-31T12:00:00+00:00", midnight(["2027-01-29", "2027-02-26", "2027-03-29"]));
  });

  it("L-30 exists only in 31-day months (their 1st)", () => {
    expectFires("0 0 L-30 * *", "UTC", "2027-01-15T00:00:00+00:00", midnight(["2027-03-01", "2027-05-01", "2027-07-01"]));
  });

  it("L-28 in February is the 1st of a leap February only; L-29 never occurs there, an error", () => {
    expectFires("0 0 L-28 2 *", "UTC", "2027-01-01T00:00:00+00:00", midnight(["2028-02-01", "2032-02-01"]));
    expect(() => parseCron("0 0 L-29 2 *")).toThrow("day-of-month field `L-29` never occurs in month field `2`, so the schedule would never fire");
  });
});

describe("ranges that wrap past the field's end", () => {
  it("22-2 in the hour field: 22, 23, 0, 1, 2", () => {
    expect(parseCron("0 22-2 * * *").hours).toEqual([0, 1, 2, 22, 23]);
    expectFires("0 22-2 * * *", "UTC", "2026-11-28T12:00:00+00:00", [
      "2026-11-28T22:00:00+00:00",
      "2026-11-28T23:00:00+00:00",
      "2026-11-29T00:00:00+00:00",
      "2026-11-29T01:00:00+00:00",
      "2026-11-29T02:00:00+00:00",
      "2026-11-29T22:00:00+00:00",
    ]);
  });

  it("a step keeps counting across the wrap: 22-3/2 is 22, 0, 2 and 50-10/5 is 50, 55, 0, 5, 10", () => {
    expect(parseCron("0 22-3/2 * * *").hours).toEqual([0, 2, 22]);
    expect(parseCron("50-10/5 * * * *").minutes).toEqual([0, 5, 10, 50, 55]);
  });

  it("FRI-MON: Friday, Saturday, Sunday, Monday", () => {
    expect(parseCron("0 0 * * FRI-MON").daysOfWeek).toEqual([0, 1, 5, 6]);
    expectFires("0 0 * * FRI-MON", "UTC", "2026-11-25T12:00:00+00:00", midnight(["2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30", "2026-12-04"]));
  });

  it("NOV-FEB: November to February across the new year", () => {
    expect(parseCron("0 0 1 NOV-FEB *").months).toEqual([1, 2, 11, 12]);
    expectFires("0 0 1 NOV-FEB *", "UTC", "2026-06-01T00:00:00+00:00", midnight(["2026-11-01", "2026-12-01", "2027-01-01", "2027-02-01", "2027-11-01"]));
  });

  it("28-3 in the day-of-month field: the 28th to the 3rd", () => {
    expect(parseCron("0 0 28-3 * *").daysOfMonth).toEqual([1, 2, 3, 28, 29, 30, 31]);
  });
});

describe("MON-SUN: Sunday as 7 at a range's end", () => {
  it("MON-SUN is the whole week, like 1-7 (not Sunday and Monday)", () => {
    const all = [0, 1, 2, 3, 4, 5, 6];
    expect(parseCron("0 0 * * MON-SUN").daysOfWeek).toEqual(all);
    expect(parseCron("0 0 * * 1-7").daysOfWeek).toEqual(all);
    expectFires("0 0 * * MON-SUN", "UTC", "2026-11-27T12:00:00+00:00", midnight(["2026-11-28", "2026-11-29", "2026-11-30"]));
  });

  it("SAT-SUN is the weekend, SUN-SAT and 0-7 the whole week, 7-1 Sunday and Monday", () => {
    expect(parseCron("0 0 * * SAT-SUN").daysOfWeek).toEqual([0, 6]);
    expect(parseCron("0 0 * * SUN-SAT").daysOfWeek).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(parseCron("0 0 * * 0-7").daysOfWeek).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(parseCron("0 0 * * 7-1").daysOfWeek).toEqual([0, 1]);
  });
});

describe("# with a range: each weekday of the range on its nth occurrence", () => {
  it("1-5#1: the first Monday, Tuesday, … Friday of the month", () => {
    expect(parseCron("0 0 * * MON-FRI#1").nthWeekdays).toEqual(parseCron("0 0 * * 1#1,2#1,3#1,4#1,5#1").nthWeekdays);
    expectFires(
      "0 0 * * 1-5#1",
      "UTC",
      "2026-12-31T12:00:00+00:00",
      midnight(["2027-01-01", "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-02-01"]),
    );
  });

  it("SAT-SUN#1 wraps too: the first Saturday and the first Sunday", () => {
    expectFires("0 0 * * SAT-SUN#1", "UTC", "2026-12-31T12:00:00+00:00", midnight(["2027-01-02", "2027-01-03", "2027-02-06", "2027-02-07"]));
  });
});

describe("H: a stable per-job spread (Jenkins)", () => {
  const ids = Array.from({ length: 200 }, (_, index) => `job-${index}`);

  it("H picks one value per field from the seed, the same on every parse", () => {
    expect(parseCron("H 2 * * *", { seed: "orders-hourly" }).minutes).toEqual(parseCron("H 2 * * *", { seed: "orders-hourly" }).minutes);
    // Pinned: changing the hash would move every user's H schedules on upgrade.
    expectFires("H 2 * * *", "UTC", "2026-11-28T12:00:00+00:00", ["2026-11-29T02:19:00+00:00", "2026-11-30T02:19:00+00:00"], "orders-hourly");
  });

  it("200 jobs at `H 2 * * *` spread over the hour instead of all firing at 02:00", () => {
    const minutes = ids.map((id) => parseCron("H 2 * * *", { seed: id }).minutes);
    for (const picked of minutes) expect(picked).toHaveLength(1);
    expect(new Set(minutes.map(([minute]) => minute)).size).toBeGreaterThanOrEqual(45);
  });

  it("H/15: every 15 minutes from a per-job start below 15", () => {
    const starts = new Set<number>();
    for (const id of ids) {
      const [start, ...rest] = parseCron("H/15 * * * *", { seed: id }).minutes;
      expect(start).toBeLessThan(15);
      expect(rest).toEqual([start! + 15, start! + 30, start! + 45]);
      starts.add(start!);
    }
    expect(starts.size).toBeGreaterThanOrEqual(12);
  });

  it("H(a-b) stays in a-b; H(a-b)/n steps from a start in a-(a+n-1)", () => {
    for (const id of ids) {
      const [minute] = parseCron("H(0-29) 3 * * *", { seed: id }).minutes;
      expect(minute).toBeGreaterThanOrEqual(0);
      expect(minute).toBeLessThanOrEqual(29);
      const hours = parseCron("0 H(8-17)/4 * * *", { seed: id }).hours;
      expect(hours[0]).toBeGreaterThanOrEqual(8);
      expect(hours[0]).toBeLessThanOrEqual(11);
      expect(hours.every((hour, index) => hour === hours[0]! + 4 * index && hour <= 17)).toBe(true);
    }
  });

  it("H in day-of-month stays within 1-28 (every month has it); in day-of-week within Sunday-Saturday", () => {
    const days = ids.map((id) => parseCron("0 0 H * *", { seed: id }).daysOfMonth[0]!);
    expect(Math.min(...days)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...days)).toBeLessThanOrEqual(28);
    const weekdays = new Set(ids.map((id) => parseCron("0 0 * * H", { seed: id }).daysOfWeek[0]!));
    expect([...weekdays].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("H does not start with * : `H/15 2 * * *` is a fixed-time schedule, and H day fields are OR-ed", () => {
    expect(parseCron("H/15 2 * * *", { seed: "a" }).fixedTime).toBe(true);
    expect(parseCron("0 0 H * H", { seed: "a" })).toMatchObject({ dayOfMonthStartsWithStar: false, dayOfWeekStartsWithStar: false });
  });

  it("without a seed, H is refused and the message says how to give one", () => {
    expect(() => parseCron("H 2 * * *")).toThrow(
      new CronSyntaxError("minute field `H` needs the job's id to pick its value, and none was given (`nomaflow cron` takes `--seed JOB_ID`)"),
    );
    expect(() => fires("H 2 * * *", "UTC", "2026-11-28T12:00:00+00:00", 1)).toThrow(CronSyntaxError);
  });
});
