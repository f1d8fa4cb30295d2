// Long runs of fires stay right; their speed is measured by test/bench/schedule.mjs, not here.
import { describe, expect, it } from "vitest";
import { fireTimesAfter, formatFireTime, nextFireTimes } from "../../src/schedule/nextFireTimes.js";
import { parseCron } from "../../src/schedule/parseCron.js";

describe("nextFireTimes at scale", () => {
  it("a seconds schedule: 100,000 fires (a day and more, across a DST change)", () => {
    const result = nextFireTimes(parseCron("* * * * * *"), "Europe/Paris", Date.parse("2027-03-27T12:00:00+01:00"), 100_000);
    expect(result).toHaveLength(100_000);
    // 12:00:01 + 100,000 s of real time, with the spring hour gone from the wall clock.
    expect(formatFireTime(result[99_999] as number, "Europe/Paris")).toBe("2027-03-28T16:46:40+02:00");
  });

  it("the next 29 February from many start points", () => {
    const cron = parseCron("0 0 29 2 *");
    for (let year = 2001; year < 2101; year++) {
      const [fire] = nextFireTimes(cron, "America/New_York", Date.UTC(year, 2, 1), 1);
      const leap = [year + 1, year + 2, year + 3, year + 4, year + 5, year + 6, year + 7, year + 8].find(
        (candidate) => (candidate % 4 === 0 && candidate % 100 !== 0) || candidate % 400 === 0,
      )!;
      expect(formatFireTime(fire as number, "America/New_York")).toBe(`${leap}-02-29T00:00:00-05:00`);
    }
  });

  it("the daemon's generator is lazy: it yields fires one at a time", () => {
    const result: number[] = [];
    for (const fire of fireTimesAfter(parseCron("* * * * * *"), "UTC", Date.parse("2026-01-01T00:00:00Z"))) {
      result.push(fire);
      if (result.length === 3) break;
    }
    expect(result).toEqual([Date.parse("2026-01-01T00:00:01Z"), Date.parse("2026-01-01T00:00:02Z"), Date.parse("2026-01-01T00:00:03Z")]);
  });
});
