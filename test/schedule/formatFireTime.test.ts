// How fire times are printed (DESIGN 6: ISO 8601 local time, offset ±HH:MM, never Z).
import { describe, expect, it } from "vitest";
import { formatFireTime, nextFireTimes } from "../../src/schedule/nextFireTimes.js";
import { parseCron } from "../../src/schedule/parseCron.js";

describe("formatFireTime", () => {
  it.each([
    ["2027-03-28T01:00:00Z", "Europe/Paris", "2027-03-28T03:00:00+02:00"],
    ["2027-03-28T00:59:59Z", "Europe/Paris", "2027-03-28T01:59:59+01:00"],
    ["2026-11-29T01:00:00Z", "UTC", "2026-11-29T01:00:00+00:00"],
    ["2026-11-29T01:00:00Z", "Asia/Kolkata", "2026-11-29T06:30:00+05:30"],
    ["2019-02-17T02:00:00Z", "America/Sao_Paulo", "2019-02-16T23:00:00-03:00"],
    ["2027-10-02T15:30:00Z", "Australia/Lord_Howe", "2027-10-03T02:30:00+11:00"],
    ["2026-11-01T06:00:00.750Z", "America/New_York", "2026-11-01T01:00:00-05:00"],
  ])("%s in %s is %s", (instant, zone, printed) => {
    expect(formatFireTime(Date.parse(instant), zone)).toBe(printed);
  });

  it("an unknown zone is a RangeError naming it", () => {
    expect(() => formatFireTime(0, "Mars/Olympus_Mons")).toThrow(/unknown time zone "Mars\/Olympus_Mons"/);
  });
});

describe("nextFireTimes arguments", () => {
  const cron = parseCron("0 2 * * *");
  it("count 0 gives nothing; a bad count or zone is a RangeError", () => {
    expect(nextFireTimes(cron, "UTC", 0, 0)).toEqual([]);
    expect(() => nextFireTimes(cron, "UTC", 0, -1)).toThrow(RangeError);
    expect(() => nextFireTimes(cron, "UTC", 0, 1.5)).toThrow(RangeError);
    expect(() => nextFireTimes(cron, "Mars/Olympus_Mons", 0, 1)).toThrow(RangeError);
    expect(() => nextFireTimes(cron, "UTC", Number.NaN, 1)).toThrow(RangeError);
  });
});
