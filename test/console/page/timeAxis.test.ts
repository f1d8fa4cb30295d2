// The run page's shared time axis: where each step's bar sits, and the ticks above them.
import { describe, expect, it } from "vitest";
import { MIN_BAR_PERCENT, axisTicks, barOnAxis, formatTick, runAxis, tickStep } from "../../../src/console/page/timeAxis.js";

const t0 = Date.parse("2026-12-06T01:00:00.000Z");
const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();

describe("runAxis", () => {
  it("spans an ended run from its start to its end", () => {
    const axis = runAxis({ startedAt: at(0), endedAt: at(100), steps: [] }, t0 + 999_000);
    expect(axis).toEqual({ startMs: t0, endMs: t0 + 100_000, spanMs: 100_000 });
  });

  it("reaches to now while the run goes", () => {
    const axis = runAxis({ startedAt: at(0), endedAt: null, steps: [{ startedAt: at(10), endedAt: null }] }, t0 + 40_000);
    expect(axis.endMs).toBe(t0 + 40_000);
  });

  it("takes in a step that started before the run or ended after it (clocks of two hosts)", () => {
    const axis = runAxis({ startedAt: at(5), endedAt: at(50), steps: [{ startedAt: at(2), endedAt: at(60) }] }, t0);
    expect(axis).toEqual({ startMs: t0 + 2000, endMs: t0 + 60_000, spanMs: 58_000 });
  });

  it("never has an empty span", () => {
    expect(runAxis({ startedAt: at(0), endedAt: at(0), steps: [] }, t0).spanMs).toBe(1);
  });
});

describe("barOnAxis", () => {
  const axis = runAxis({ startedAt: at(0), endedAt: at(100), steps: [] }, t0);

  it("places an ended step by its start and end", () => {
    expect(barOnAxis(axis, { startedAt: at(25), endedAt: at(75) }, t0)).toEqual({ leftPercent: 25, widthPercent: 50, open: false });
  });

  it("has no bar for a step that never started", () => {
    expect(barOnAxis(axis, { startedAt: null, endedAt: null }, t0)).toBeNull();
  });

  it("draws a running step up to now, open", () => {
    const running = runAxis({ startedAt: at(0), endedAt: null, steps: [] }, t0 + 80_000);
    expect(barOnAxis(running, { startedAt: at(40), endedAt: null }, t0 + 80_000)).toEqual({ leftPercent: 50, widthPercent: 50, open: true });
  });

  it("keeps a step without an end inside an ended run's axis (an abandoned run)", () => {
    expect(barOnAxis(axis, { startedAt: at(90), endedAt: null }, t0 + 10_000_000)).toEqual({ leftPercent: 90, widthPercent: 10, open: true });
  });

  it("gives a very short step the thinnest visible bar, still inside the axis", () => {
    const bar = barOnAxis(axis, { startedAt: at(100), endedAt: at(100) }, t0);
    expect(bar?.widthPercent).toBe(MIN_BAR_PERCENT);
    expect((bar?.leftPercent ?? 0) + (bar?.widthPercent ?? 0)).toBeLessThanOrEqual(100);
  });
});

describe("ticks", () => {
  it("picks the smallest round step giving at most five intervals", () => {
    expect(tickStep(100_000)).toBe(30_000);
    expect(tickStep(4_000)).toBe(1000);
    expect(tickStep(3 * 3_600_000)).toBe(3_600_000);
    expect(tickStep(400)).toBe(100);
  });

  it("labels offsets from the run's start", () => {
    expect(formatTick(0)).toBe("0");
    expect(formatTick(500)).toBe("500 ms");
    expect(formatTick(30_000)).toBe("30 s");
    expect(formatTick(90_000)).toBe("1 min 30 s");
    expect(formatTick(5_400_000)).toBe("1 h 30 min");
    expect(formatTick(7_200_000)).toBe("2 h");
  });

  it("puts ticks at round offsets as percentages of the axis", () => {
    const axis = runAxis({ startedAt: at(0), endedAt: at(100), steps: [] }, t0);
    expect(axisTicks(axis)).toEqual([
      { percent: 0, label: "0" },
      { percent: 30, label: "30 s" },
      { percent: 60, label: "1 min" },
      { percent: 90, label: "1 min 30 s" },
    ]);
  });
});
