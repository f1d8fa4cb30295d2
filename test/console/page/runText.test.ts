// What the run page says of a run's logical date, of the run its trigger refers to, and of why it ended.
import { describe, expect, it } from "vitest";
import { endReasonText, formatZoned, intervalText, triggerOrigin } from "../../../src/console/page/runText.js";

describe("the logical date", () => {
  it("writes a time in its job's zone as it is, without converting it", () => {
    expect(formatZoned("2026-12-06T02:00:00+01:00")).toBe("2026-12-06 02:00 +01:00");
    expect(formatZoned("2026-12-06T02:00:30.000-05:00")).toBe("2026-12-06 02:00:30 -05:00");
    expect(formatZoned("2026-12-06T01:00:00.000Z")).toBe("2026-12-06 01:00 +00:00");
    expect(formatZoned("not a time")).toBe("not a time");
  });

  it("gives the interval the run covers, from the fire before to its own, with its length", () => {
    expect(
      intervalText({ scheduledFor: "2026-12-06T02:00:00+01:00", intervalStart: "2026-12-05T02:00:00+01:00", intervalEnd: "2026-12-06T02:00:00+01:00" }),
    ).toBe("2026-12-05 02:00 +01:00 → 2026-12-06 02:00 +01:00 (1 d 00 h)");
    expect(intervalText({ scheduledFor: "2026-12-06T02:15:00Z", intervalStart: "2026-12-06T02:00:00Z" })).toBe(
      "2026-12-06 02:00 +00:00 → 2026-12-06 02:15 +00:00 (15 min)",
    );
  });

  it("has no interval for a log older than logical dates, or one that is an instant alone", () => {
    expect(intervalText({ scheduledFor: null })).toBeNull();
    expect(intervalText({ scheduledFor: "2026-12-06T02:00:00Z", intervalStart: "2026-12-06T02:00:00Z", intervalEnd: "2026-12-06T02:00:00Z" })).toBeNull();
  });
});

describe("the trigger's run and the end's reason", () => {
  it("names the run a resume resumes and the run a recovery reruns", () => {
    expect(triggerOrigin({ trigger: "resume", resumeOf: "20261206T010000000Z-aaaaaa", recoveryOf: null })).toEqual({
      words: "resume of",
      runId: "20261206T010000000Z-aaaaaa",
    });
    expect(triggerOrigin({ trigger: "recovery", recoveryOf: "20261206T010000000Z-bbbbbb" })).toEqual({
      words: "recovery of",
      runId: "20261206T010000000Z-bbbbbb",
    });
    expect(triggerOrigin({ trigger: "schedule", recoveryOf: null })).toBeNull();
  });

  it("says a run failed on the job's timeout, and nothing of a run its steps ended", () => {
    expect(endReasonText({ endReason: "job_timeout" })).toMatch(/^job timeout/);
    expect(endReasonText({ endReason: "lease_lost" })).toMatch(/^lease lost/);
    expect(endReasonText({})).toBeNull();
  });
});
