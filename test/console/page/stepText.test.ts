// What a step's state reads as, including the texts that change every second.
import { describe, expect, it } from "vitest";
import { attemptsText, elapsedSoFar, retryCountdown, stepDurationText, stepStateText } from "../../../src/console/page/stepText.js";

const now = Date.parse("2026-12-06T01:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

describe("retryCountdown", () => {
  it("counts down to the next try, rounding up so that the last second reads 1 s", () => {
    expect(retryCountdown(iso(now + 42_000), now)).toBe("next try in 42 s");
    expect(retryCountdown(iso(now + 41_001), now)).toBe("next try in 42 s");
    expect(retryCountdown(iso(now + 1), now)).toBe("next try in 1 s");
    expect(retryCountdown(iso(now + 65_000), now)).toBe("next try in 1 min");
  });

  it("says the try is starting once its time has come, and waits without a time", () => {
    expect(retryCountdown(iso(now), now)).toBe("next try starting");
    expect(retryCountdown(iso(now - 5000), now)).toBe("next try starting");
    expect(retryCountdown(null, now)).toBe("waiting to retry");
    expect(retryCountdown("not a time", now)).toBe("waiting to retry");
  });
});

describe("durations of steps", () => {
  it("gives an ended step its own duration, a running one the time so far", () => {
    expect(stepDurationText({ status: "succeeded", durationMs: 35_000, startedAt: iso(now - 60_000) }, now)).toBe("35.0 s");
    expect(stepDurationText({ status: "running", durationMs: null, startedAt: iso(now - 187_000) }, now)).toBe("3 min 07 s so far");
    expect(stepDurationText({ status: "pending", durationMs: null, startedAt: null }, now)).toBe("—");
    expect(elapsedSoFar("garbage", now)).toBe("running");
  });
});

describe("attempts and state", () => {
  it("writes attempts as a count once ended and as n of m while going", () => {
    expect(attemptsText({ status: "running", attempt: 2, attempts: 3 })).toBe("attempt 2 of 3");
    expect(attemptsText({ status: "retrying", attempt: 1, attempts: 2 })).toBe("attempt 1 of 2");
    expect(attemptsText({ status: "succeeded", attempt: 1, attempts: 2 })).toBe("1 attempt");
    expect(attemptsText({ status: "failed", attempt: 2, attempts: 2 })).toBe("2 attempts");
    expect(attemptsText({ status: "pending", attempt: 0, attempts: 2 })).toBe("—");
  });

  it("calls a retrying step's state a retry wait", () => {
    expect(stepStateText({ status: "retrying" })).toBe("retry wait");
    expect(stepStateText({ status: "skipped" })).toBe("skipped");
  });
});
