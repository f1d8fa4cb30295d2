// The history charts' scales and the bars laid out on them.
import { describe, expect, it } from "vitest";
import { axisPrecision, linearScale, niceStep, ticksUpTo, timeTickCount, timeTicks, valueTicks } from "../../../src/console/page/chartScale.js";
import { formatAxisLabels } from "../../../src/console/page/format.js";
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

  it("picks the time labels' precision from the ticks' spacing", () => {
    expect(axisPrecision(15_000)).toBe("second");
    expect(axisPrecision(60_000)).toBe("minute");
    expect(axisPrecision(18 * 3_600_000)).toBe("minute");
    expect(axisPrecision(25 * 3_600_000)).toBe("minute");
    expect(axisPrecision(2 * 86_400_000)).toBe("day");
  });

  it("takes no more ticks than whole seconds in the span", () => {
    expect(timeTickCount(0)).toBe(1);
    expect(timeTickCount(800)).toBe(1);
    expect(timeTickCount(2_500)).toBe(3);
    expect(timeTickCount(90_000)).toBe(5);
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
    expect(layout.precision).toBe("minute");
  });

  it("draws no bar and no time tick without a value", () => {
    const layout = historyChart([run(0, null)], 400, 200, (max) => valueTicks(max));
    expect(layout.bars).toEqual([]);
    expect(layout.xTicks).toEqual([]);
  });

  it("gives a tall enough bar even to a run of zero", () => {
    const layout = historyChart([run(0, 0), run(5, 10)], 400, 200, (max) => valueTicks(max));
    expect(layout.bars[0]?.height).toBeGreaterThanOrEqual(1);
    expect(layout.precision).toBe("day");
  });

  const within = (seconds: number[]) =>
    seconds.map((second, index) => ({ runId: `s${index}`, status: "succeeded" as const, startedAt: new Date(t0 + second * 1000).toISOString(), value: 100 }));
  const labels = (layout: ReturnType<typeof historyChart>) =>
    formatAxisLabels(
      layout.xTicks.map((tick) => tick.ms),
      layout.precision,
    );

  it("gives the seconds when the runs fall within a few minutes, and no two labels alike", () => {
    const layout = historyChart(within([0, 20, 45, 70, 100]), 640, 180, (max) => valueTicks(max));
    expect(layout.precision).toBe("second");
    const text = labels(layout);
    expect(text).toHaveLength(5);
    expect(new Set(text).size).toBe(5);
    expect(text[0]).toMatch(/^\d+ Nov \d\d:\d\d:\d\d$/);
    // The day once: the others are the clock alone, short enough not to run into each other.
    for (const label of text.slice(1)) expect(label).toMatch(/^\d\d:\d\d:\d\d$/);
  });

  it("takes fewer ticks over a span of a few seconds, so that each reads differently", () => {
    const layout = historyChart(within([0, 1, 2.5]), 640, 180, (max) => valueTicks(max));
    expect(layout.xTicks).toHaveLength(3);
    expect(new Set(labels(layout)).size).toBe(3);
    expect(historyChart(within([0, 0.3]), 640, 180, (max) => valueTicks(max)).xTicks).toHaveLength(1);
  });

  it("keeps the last label inside the chart: it ends at its tick", () => {
    const layout = historyChart(within([0, 60, 120, 600]), 640, 180, (max) => valueTicks(max));
    expect(layout.xTicks.map((tick) => tick.anchor)).toEqual(["middle", "middle", "middle", "middle", "end"]);
    expect(layout.xTicks[4]!.x).toBeLessThanOrEqual(640 - CHART_MARGIN.right);
    expect(layout.precision).toBe("minute");
    expect(historyChart(within([0]), 640, 180, (max) => valueTicks(max)).xTicks.map((tick) => tick.anchor)).toEqual(["middle"]);
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
