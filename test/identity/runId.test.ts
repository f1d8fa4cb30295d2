import { describe, expect, it } from "vitest";
import { isRunId, newRunId, runStartedAt } from "../../src/identity/runId.js";

describe("run ids", () => {
  it("are the UTC start to the millisecond and six base32 characters", () => {
    const id = newRunId(new Date("2026-11-28T10:56:00.123Z"));
    expect(id).toMatch(/^20261128T105600123Z-[a-z2-7]{6}$/);
    expect(isRunId(id)).toBe(true);
  });

  it("differ for runs started in the same millisecond", () => {
    const now = new Date("2026-11-28T10:56:00.123Z");
    const ids = new Set(Array.from({ length: 1000 }, () => newRunId(now)));
    expect(ids.size).toBe(1000);
  });

  it("sort by start time as plain strings", () => {
    const starts = [
      "2026-11-28T10:56:00.123Z",
      "2026-11-28T10:56:00.009Z",
      "2027-01-01T00:00:00.000Z",
      "2026-11-28T09:59:59.999Z",
      "2026-02-03T23:00:00.000Z",
      "2026-11-28T10:56:00.124Z",
    ].map((iso) => new Date(iso));
    const ids = starts.map((start) => newRunId(start));
    const byString = [...ids].sort();
    const byTime = [...ids].sort((a, b) => runStartedAt(a)! - runStartedAt(b)!);
    expect(byString).toEqual(byTime);
  });

  it("give their start time back", () => {
    const start = new Date("2026-03-29T01:59:59.999Z");
    expect(runStartedAt(newRunId(start))).toBe(start.getTime());
  });

  it("runStartedAt rejects what is not a run id", () => {
    for (const text of [
      "",
      "20261128T105600123Z",
      "20261128T105600123Z-K3F9QA",
      "20261131T105600123Z-k3f9qa",
      "20261128T255600123Z-k3f9qa",
      "x20261128T105600123Z-k3f9qa",
    ]) {
      expect(runStartedAt(text), text).toBeUndefined();
    }
  });
});
