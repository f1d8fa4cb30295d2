// The edges of the calendar: fires more than 400 years away, years 1-99 (which Date.UTC reads as
// 19xx), the end of year 9999 (past which ISO 8601 needs five digits), and local mean times,
// whose offsets have seconds (Paris was +00:09:21 until 1911, New York -04:56:02 until 1883).
import { describe, expect, it } from "vitest";
import { formatFireTime, nextFireTimes } from "../../src/schedule/nextFireTimes.js";
import { parseCron } from "../../src/schedule/parseCron.js";
import { expectFires, fires } from "./fireTimesHelper.js";

describe("fires far from --from", () => {
  it("@yearly -n 1000 gives 1000 fires, not the 401 of the first 400 years", () => {
    const found = fires("@yearly", "UTC", "2026-01-01T00:00:00+00:00", 1000);
    expect(found).toHaveLength(1000);
    expect(found[999]).toBe("3026-01-01T00:00:00+00:00");
  });

  it("a Sunday 29 February (about one in 28 years) is found 20 times, none skipped", () => {
    // `*/7` (Sunday) starts with `*`, so the day fields are AND-ed (`29 2 SUN` would OR them).
    const sundayLeapDays = nextFireTimes(parseCron("0 0 29 2 */7"), "UTC", Date.parse("2026-01-01T00:00:00Z"), 20);
    const expected: number[] = [];
    for (let year = 2026; expected.length < 20; year++) {
      const leapDay = new Date(Date.UTC(year, 1, 29));
      if (leapDay.getUTCMonth() === 1 && leapDay.getUTCDay() === 0) expected.push(leapDay.getTime());
    }
    expect(sundayLeapDays).toEqual(expected);
    expect(new Date(expected[19]!).getUTCFullYear()).toBeGreaterThan(2026 + 400);
  });
});

describe("years 1 to 99", () => {
  it("a --from in year 50 finds the fires of years 51 and 52", () => {
    expectFires("0 0 1 1 *", "UTC", "0050-06-01T00:00:00+00:00", ["0051-01-01T00:00:00+00:00", "0052-01-01T00:00:00+00:00"]);
  });

  it("weekdays and leap years of year 4 are its own, not 1904's neighbours': 29 Feb 0004 was a Sunday", () => {
    // Proleptic Gregorian: 0004-02-29 is a Sunday (Python: date(4, 2, 29).weekday() == 6).
    expectFires("0 0 29 2 */7", "UTC", "0001-01-01T00:00:00+00:00", ["0004-02-29T00:00:00+00:00"]);
  });

  it("from the first instant of year 1, in a zone", () => {
    expect(fires("30 12 * * *", "Europe/Paris", "0001-01-01T00:00:00+00:00", 1)).toEqual(["0001-01-01T12:30:00+00:09:21"]);
  });
});

describe("the end of year 9999", () => {
  it("the last fires before year 10000 are given; asking for more is a RangeError, not fewer fires", () => {
    expectFires("0 0 1 1 *", "UTC", "9998-06-01T00:00:00+00:00", ["9999-01-01T00:00:00+00:00"]);
    expect(() => fires("0 0 1 1 *", "UTC", "9998-06-01T00:00:00+00:00", 2)).toThrow(
      new RangeError("fire times are computed up to the end of year 9999; 2 were asked for and only 1 come before it"),
    );
  });

  it("the end is the local end of 9999: 31 December 9999 fires at +14:00 though it is still 9999 in UTC", () => {
    expect(fires("0 23 31 12 *", "Pacific/Kiritimati", "9999-06-01T00:00:00+00:00", 1)).toEqual(["9999-12-31T23:00:00+14:00"]);
  });
});

describe("offsets with seconds (local mean time)", () => {
  it("prints the offset to the second, so the text is the exact instant", () => {
    const paris = Date.UTC(1900, 0, 1, 2) - (9 * 60 + 21) * 1000;
    expect(formatFireTime(paris, "Europe/Paris")).toBe("1900-01-01T02:00:00+00:09:21");
    const newYork = Date.UTC(1850, 0, 1, 2) + (4 * 3600 + 56 * 60 + 2) * 1000;
    expect(formatFireTime(newYork, "America/New_York")).toBe("1850-01-01T02:00:00-04:56:02");
  });

  it("fires at the local wall time, to the second", () => {
    const [fire] = nextFireTimes(parseCron("0 2 * * *"), "Europe/Paris", Date.parse("1900-01-01T00:00:00Z"), 1);
    expect(fire).toBe(Date.UTC(1900, 0, 1, 2) - (9 * 60 + 21) * 1000);
  });
});
