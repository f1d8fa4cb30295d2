// The history charts' scales and the bars laid out on them.
import { describe, expect, it } from "vitest";
import { linearScale, niceStep, ticksUpTo, timeTicks, valueTicks } from "../../../src/console/page/chartScale.js";
import { CHART_MARGIN, historyChart, medianSucceededMs } from "../../../src/console/page/historyChart.js";

describe("scales", () => {
  it("rounds a step to 1, 2 or 5 times a power of ten", () => {
    expect(niceStep(0.7)).toBe(1);
    expect(niceStep(13)).toBe(20);
    expect(niceStep(300_000)).toBe(500_000);
    expect(niceStep(0)).toBe(1);
  });

  it("ticks from zero to a round value at or above the maximum", () => {
    expect(valueTicks(1_530_000)).toEqual([0, 500_000, 1_000_000, 1_500_000, 2_000_000]);
    expect(ticksUpTo(0, 10)).toEqual([0, 10]);
    expect(ticksUpTo(30, 10)).toEqual([0, 10, 20, 30]);
  });

  it("maps linearly, a single point to the middle", () => {
    expect(linearScale([0, 10], [100, 0])(2.5)).toBe(75);
    expect(linearScale([5, 5], [0, 10])(5)).toBe(5);
  });

  it("spreads time ticks evenly", () => {
    expect(timeTicks(0, 100, 5)).toEqual([0, 25, 50, 75, 100]);
    expect(timeTicks(7, 7)).toEqual([7]);
  });
});

describe("historyChart", () => {
  const day = 86_400_000;
  const t0 = Date.parse("2026-11-01T01:00:00Z");
  const run = (index: number, value: number | null, status: "succeeded" | "failed" = "succeeded") => ({
    runId: `r${index}`,
    status,
    startedAt: new Date(t0 + index * day).toISOString(),
    value,
  });

  it("places runs by their start time, oldest at the left, heights on the value axis", () => {
    const layout = historyChart([run(2, 50, "failed"), run(0, 100), run(1, null)], 400, 200, (max) => valueTicks(max, 4));
    expect(layout.bars.map((bar) => bar.runId)).toEqual(["r0", "r2"]);
    const [first, last] = layout.bars;
    expect(first?.x).toBeCloseTo(CHART_MARGIN.left, 5);
    expect((last?.x ?? 0) + (last?.width ?? 0)).toBeCloseTo(400 - CHART_MARGIN.right, 5);
    expect(first?.height).toBeCloseTo(200 - CHART_MARGIN.bottom - CHART_MARGIN.top, 5);
    expect(last?.height).toBeCloseTo((200 - CHART_MARGIN.bottom - CHART_MARGIN.top) / 2, 5);
    expect(layout.yTicks.map((tick) => tick.value)).toEqual([0, 50, 100]);
    expect(layout.shortRange).toBe(true);
  });

  it("draws no bar and no time tick without a value", () => {
    const layout = historyChart([run(0, null)], 400, 200, (max) => valueTicks(max));
    expect(layout.bars).toEqual([]);
    expect(layout.xTicks).toEqual([]);
  });

  it("gives a tall enough bar even to a run of zero", () => {
    const layout = historyChart([run(0, 0), run(5, 10)], 400, 200, (max) => valueTicks(max));
    expect(layout.bars[0]?.height).toBeGreaterThanOrEqual(1);
    expect(layout.shortRange).toBe(false);
  });

  it("finds the median of the succeeded runs only", () => {
    expect(
      medianSucceededMs([
        { status: "succeeded", durationMs: 10 },
        { status: "failed", durationMs: 1 },
        { status: "succeeded", durationMs: 30 },
        { status: "running", durationMs: null },
      ]),
    ).toBe(20);
    expect(medianSucceededMs([{ status: "failed", durationMs: 5 }])).toBeNull();
  });
});
