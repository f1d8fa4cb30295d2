// The page's words for numbers and times: pure functions, the current time passed in.
import { describe, expect, it } from "vitest";
import {
  formatAxisDate,
  formatAxisLabels,
  formatBytes,
  formatClockMs,
  formatCount,
  formatDuration,
  formatFire,
  formatLocal,
  formatPercent,
  formatRelative,
  formatRows,
  formatSpan,
  formatUtcOffset,
  formatValue,
} from "../../../src/console/page/format.js";

describe("durations, as the CLI writes them", () => {
  it("is the CLI's own formatter", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_345)).toBe("12.3 s");
    expect(formatDuration(245_000)).toBe("4 min 05 s");
  });
});

describe("formatSpan and formatRelative: a glance at when", () => {
  it("keeps two units at the most, rounded down", () => {
    expect(formatSpan(42_999)).toBe("42 s");
    expect(formatSpan(12 * 60_000 + 59_000)).toBe("12 min");
    expect(formatSpan(3 * 3_600_000 + 5 * 60_000)).toBe("3 h 05 min");
    expect(formatSpan(2 * 86_400_000 + 4 * 3_600_000 + 59 * 60_000)).toBe("2 d 04 h");
  });

  it("says in … for a time to come and … ago for one past, now within a second", () => {
    const now = Date.UTC(2026, 11, 6, 1, 0, 0);
    expect(formatRelative(now + 3 * 3_600_000 + 5 * 60_000, now)).toBe("in 3 h 05 min");
    expect(formatRelative(now - 12 * 60_000, now)).toBe("12 min ago");
    expect(formatRelative(now + 400, now)).toBe("now");
    expect(formatRelative(Number.NaN, now)).toBe("—");
  });
});

describe("formatFire: a fire as written in its job's zone", () => {
  it("reads the zoned time without converting it, the year only when it is not this one", () => {
    expect(formatFire({ at: "2027-03-28T03:30:00+02:00", weekday: "Sun" }, 2027)).toBe("Sun 28 Mar 03:30");
    expect(formatFire({ at: "2027-03-28T03:30:00+02:00", weekday: "Sun" }, 2026)).toBe("Sun 28 Mar 2027 03:30");
  });

  it("shows the seconds a six-field cron gives", () => {
    expect(formatFire({ at: "2026-12-07T02:00:30+01:00", weekday: "Mon" }, 2026)).toBe("Mon 7 Dec 02:00:30");
  });

  it("gives an unexpected text back as it is", () => {
    expect(formatFire({ at: "soon", weekday: "Mon" }, 2026)).toBe("soon");
  });
});

describe("the viewer's clock", () => {
  it("writes a local instant as date and time, seconds optional", () => {
    const date = new Date(2026, 11, 6, 2, 0, 13, 42);
    expect(formatLocal(date)).toBe("2026-12-06 02:00:13");
    expect(formatLocal(date, false)).toBe("2026-12-06 02:00");
    expect(formatClockMs(date)).toBe("02:00:13.042");
  });

  it("writes Date#getTimezoneOffset as an offset east of UTC", () => {
    expect(formatUtcOffset(-60)).toBe("+01:00");
    expect(formatUtcOffset(300)).toBe("-05:00");
    expect(formatUtcOffset(-330)).toBe("+05:30");
    expect(formatUtcOffset(0)).toBe("+00:00");
  });

  it("labels a time axis to the day, the minute or the second", () => {
    const date = new Date(2026, 11, 6, 2, 5, 9);
    expect(formatAxisDate(date, "day")).toBe("6 Dec");
    expect(formatAxisDate(date, "minute")).toBe("6 Dec 02:05");
    expect(formatAxisDate(date, "second")).toBe("6 Dec 02:05:09");
    expect(formatAxisDate(date, "second", false)).toBe("02:05:09");
  });

  it("gives the day of labels to the second only on the first and where it changes", () => {
    const at = (day: number, hour: number, minute: number, second: number) => new Date(2026, 11, day, hour, minute, second).getTime();
    expect(formatAxisLabels([at(6, 23, 59, 50), at(6, 23, 59, 55), at(7, 0, 0, 0)], "second")).toEqual(["6 Dec 23:59:50", "23:59:55", "7 Dec 00:00:00"]);
    expect(formatAxisLabels([at(6, 2, 0, 0), at(6, 3, 0, 0)], "minute")).toEqual(["6 Dec 02:00", "6 Dec 03:00"]);
  });
});

describe("counts and sizes", () => {
  it("writes rows and bytes as the CLI does", () => {
    expect(formatRows(1)).toBe("1 row");
    expect(formatRows(1_234_567)).toBe("1,234,567 rows");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(3_499_999)).toBe("3.4 MB");
  });

  it("shortens a chart's axis counts", () => {
    expect(formatCount(950)).toBe("950");
    expect(formatCount(12_000)).toBe("12k");
    expect(formatCount(1_500_000)).toBe("1.5M");
  });

  it("writes a rate with one decimal", () => {
    expect(formatPercent(5 / 39)).toBe("12.8 %");
    expect(formatPercent(0)).toBe("0.0 %");
  });

  it("writes a param's value: text as it is, anything else as JSON", () => {
    expect(formatValue("2026-12-01")).toBe("2026-12-01");
    expect(formatValue(10_000)).toBe("10000");
    expect(formatValue({ a: [1] })).toBe('{"a":[1]}');
  });
});
