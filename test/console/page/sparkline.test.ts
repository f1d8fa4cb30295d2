// The catalogue's sparkline: bar heights on a scale from zero to the longest run, latest at the right.
import { describe, expect, it } from "vitest";
import { MIN_BAR_HEIGHT, barAt, sparkBars, sparkPaths } from "../../../src/console/page/sparkline.js";

describe("sparkBars", () => {
  it("scales each run's duration to the longest, on a common baseline", () => {
    const bars = sparkBars(
      [
        { runId: "a", status: "succeeded", durationMs: 500 },
        { runId: "b", status: "failed", durationMs: 1000 },
      ],
      { width: 30, height: 20, slots: 3, gap: 1 },
    );
    expect(bars.map((bar) => [bar.runId, bar.height, bar.y, bar.status])).toEqual([
      ["a", 10, 10, "succeeded"],
      ["b", 20, 0, "failed"],
    ]);
  });

  it("puts the latest run in the last slot, fewer runs leaving the left empty", () => {
    const bars = sparkBars([{ runId: "only", status: "succeeded", durationMs: 10 }], { width: 120, height: 20 });
    expect(bars[0]?.x).toBe(116);
    expect(bars[0]?.width).toBe(3);
  });

  it("keeps the last 30 when given more", () => {
    const recent = Array.from({ length: 40 }, (_, index) => ({ runId: `r${index}`, status: "succeeded" as const, durationMs: index + 1 }));
    const bars = sparkBars(recent, { width: 120, height: 20 });
    expect(bars).toHaveLength(30);
    expect(bars[0]?.runId).toBe("r10");
    expect(bars[0]?.x).toBe(0);
  });

  it("draws a run still going at half height, and a very short one still visible", () => {
    const bars = sparkBars(
      [
        { runId: "fast", status: "succeeded", durationMs: 1 },
        { runId: "slow", status: "succeeded", durationMs: 100_000 },
        { runId: "now", status: "running", durationMs: null },
      ],
      { width: 30, height: 20, slots: 3 },
    );
    expect(bars.map((bar) => bar.height)).toEqual([MIN_BAR_HEIGHT, 20, 10]);
  });

  it("draws nothing for a job that never ran, and flat bars when every run took 0 ms", () => {
    expect(sparkBars([], { width: 120, height: 20 })).toEqual([]);
    expect(sparkBars([{ runId: "z", status: "succeeded", durationMs: 0 }], { width: 120, height: 20 })[0]?.height).toBe(MIN_BAR_HEIGHT);
  });
});

describe("sparkPaths and barAt", () => {
  const bars = sparkBars(
    [
      { runId: "a", status: "succeeded", durationMs: 500 },
      { runId: "b", status: "failed", durationMs: 1000 },
      { runId: "c", status: "succeeded", durationMs: 1000 },
    ],
    { width: 30, height: 20, slots: 3, gap: 1 },
  );

  it("draws one path per status, each bar a closed rectangle", () => {
    expect(sparkPaths(bars)).toEqual([
      { status: "succeeded", d: "M0 10h9v10h-9zM20 0h9v20h-9z" },
      { status: "failed", d: "M10 0h9v20h-9z" },
    ]);
  });

  it("finds the run under the pointer, the gap counting with the bar on its left", () => {
    expect(barAt(bars, 0)?.runId).toBe("a");
    expect(barAt(bars, 9.5)?.runId).toBe("a");
    expect(barAt(bars, 10)?.runId).toBe("b");
    expect(barAt(bars, 29.9)?.runId).toBe("c");
    expect(barAt(sparkBars([{ runId: "z", status: "succeeded", durationMs: 1 }], { width: 30, height: 20, slots: 3 }), 5)).toBeNull();
  });
});
