// Looking back along a schedule (a manual run's logical date, the start of a run's interval):
// the same fires as looking forward, DST rules included, whatever instant the look starts at.
import { describe, expect, it } from "vitest";
import { formatFireTime, nextFireTimes } from "../../src/schedule/nextFireTimes.js";
import { parseCron } from "../../src/schedule/parseCron.js";
import { isFireTime, latestFireAtOrBefore, previousFireTime } from "../../src/schedule/previousFireTime.js";

const latest = (expression: string, zone: string, at: string) => {
  const ms = latestFireAtOrBefore(parseCron(expression), zone, Date.parse(at));
  return ms === undefined ? undefined : formatFireTime(ms, zone);
};

describe("latestFireAtOrBefore", () => {
  it("is the fire itself at a fire time, and the one before just before it", () => {
    expect(latest("0 2 * * *", "Europe/Paris", "2026-12-06T02:00:00+01:00")).toBe("2026-12-06T02:00:00+01:00");
    expect(latest("0 2 * * *", "Europe/Paris", "2026-12-06T01:59:59+01:00")).toBe("2026-12-05T02:00:00+01:00");
    expect(formatFireTime(previousFireTime(parseCron("0 2 * * *"), "Europe/Paris", Date.parse("2026-12-06T02:00:00+01:00"))!, "Europe/Paris")).toBe(
      "2026-12-05T02:00:00+01:00",
    );
  });

  it("keeps the fall-back rule: a repeated fixed time fired at its first pass, also when asked from the second", () => {
    expect(latest("30 2 * * *", "Europe/Paris", "2026-10-25T02:45:00+01:00")).toBe("2026-10-25T02:30:00+02:00");
    expect(latest("30 2 * * *", "Europe/Paris", "2026-10-26T02:29:59+01:00")).toBe("2026-10-25T02:30:00+02:00");
    // A wildcard schedule fires at both passes.
    expect(latest("30 * * * *", "Europe/Paris", "2026-10-25T02:45:00+01:00")).toBe("2026-10-25T02:30:00+01:00");
  });

  it("keeps the spring-forward rule: a skipped fixed time fired at the jump", () => {
    expect(latest("30 2 * * *", "Europe/Paris", "2027-03-28T12:00:00+02:00")).toBe("2027-03-28T03:00:00+02:00");
    expect(isFireTime(parseCron("30 2 * * *"), "Europe/Paris", Date.parse("2027-03-28T03:00:00+02:00"))).toBe(true);
    expect(isFireTime(parseCron("30 2 * * *"), "Europe/Paris", Date.parse("2027-03-28T02:30:00+02:00"))).toBe(false);
  });

  it("looks back years for a rare schedule, and agrees with the forward walk", () => {
    expect(latest("0 0 29 2 *", "UTC", "2026-12-06T00:00:00+00:00")).toBe("2024-02-29T00:00:00+00:00");
    const cron = parseCron("15 */5 * * 1-5");
    const zone = "America/New_York";
    const fires = nextFireTimes(cron, zone, Date.parse("2026-03-01T00:00:00Z"), 300);
    for (let index = 1; index < fires.length; index++) {
      expect(previousFireTime(cron, zone, fires[index]!)).toBe(fires[index - 1]);
      expect(latestFireAtOrBefore(cron, zone, fires[index]! - 1)).toBe(fires[index - 1]);
    }
  });

  it("is undefined before a schedule's first fire ever", () => {
    expect(latestFireAtOrBefore(parseCron("0 0 1 1 *"), "UTC", Date.parse("0001-06-01T00:00:00Z"))).toBeUndefined();
  });
});
