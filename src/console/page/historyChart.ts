/**
 * The history page's charts laid out: one bar per run at its start time, its height the run's
 * duration (or rows copied) on a round scale from zero. Pure: runs and a size in, coordinates out;
 * the page draws them as SVG.
 */
import type { RunStatus } from "../consoleApi.js";
import { axisPrecision, linearScale, timeTickCount, timeTicks, type AxisPrecision } from "./chartScale.js";

export interface ChartInput {
  runId: string;
  status: RunStatus;
  startedAt: string;
  value: number | null;
}

export interface ChartBar {
  runId: string;
  status: RunStatus;
  value: number;
  startedMs: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ChartLayout {
  width: number;
  height: number;
  plot: { left: number; right: number; top: number; bottom: number };
  bars: ChartBar[];
  yTicks: { y: number; value: number }[];
  /** The last tick's label ends at its tick (`end`), so that it stays inside the chart; the others are centred on theirs. */
  xTicks: { x: number; ms: number; anchor: "middle" | "end" }[];
  /** How finely the time labels give the time: fine enough that no two read the same. */
  precision: AxisPrecision;
}

export const CHART_MARGIN = { left: 64, right: 16, top: 12, bottom: 28 };

/** `ticksFor(max)` gives the value axis's ticks from 0 (round durations, or round counts). */
export function historyChart(runs: readonly ChartInput[], width: number, height: number, ticksFor: (max: number) => number[]): ChartLayout {
  const plot = { left: CHART_MARGIN.left, right: width - CHART_MARGIN.right, top: CHART_MARGIN.top, bottom: height - CHART_MARGIN.bottom };
  const points = runs
    .map((run) => ({ run, ms: Date.parse(run.startedAt) }))
    .filter((point): point is { run: ChartInput & { value: number }; ms: number } => point.run.value !== null && Number.isFinite(point.ms))
    .sort((a, b) => a.ms - b.ms);
  const max = Math.max(0, ...points.map((point) => point.run.value));
  const yTickValues = ticksFor(max);
  const top = yTickValues[yTickValues.length - 1] ?? 1;
  const y = linearScale([0, top > 0 ? top : 1], [plot.bottom, plot.top]);
  const first = points[0]?.ms ?? 0;
  const last = points[points.length - 1]?.ms ?? 0;
  const plotWidth = plot.right - plot.left;
  const barWidth = Math.max(2, Math.min(12, (plotWidth / Math.max(points.length, 1)) * 0.6));
  // Bars are centred on their time, kept inside the plot by half a bar at each end.
  const x = linearScale([first, last], [plot.left + barWidth / 2, plot.right - barWidth / 2]);
  const bars = points.map(({ run, ms }) => {
    const barTop = Math.min(y(run.value), plot.bottom - 1);
    return {
      runId: run.runId,
      status: run.status,
      value: run.value,
      startedMs: ms,
      x: x(ms) - barWidth / 2,
      y: barTop,
      width: barWidth,
      height: plot.bottom - barTop,
    };
  });
  const tickCount = points.length === 0 ? 0 : timeTickCount(last - first);
  const xTickTimes = tickCount === 0 ? [] : timeTicks(first, last, tickCount);
  return {
    width,
    height,
    plot,
    bars,
    yTicks: yTickValues.map((value) => ({ y: y(value), value })),
    xTicks: xTickTimes.map((ms, index) => ({ x: x(ms), ms, anchor: index > 0 && index === xTickTimes.length - 1 ? "end" : "middle" })),
    precision: axisPrecision(tickCount > 1 ? (last - first) / (tickCount - 1) : last - first),
  };
}

/** The median duration of the succeeded runs, or null without one: what "normal" looks like. */
export function medianSucceededMs(runs: readonly { status: RunStatus; durationMs: number | null }[]): number | null {
  const durations = runs
    .filter((run) => run.status === "succeeded" && run.durationMs !== null)
    .map((run) => run.durationMs as number)
    .sort((a, b) => a - b);
  if (durations.length === 0) return null;
  const middle = Math.floor(durations.length / 2);
  return durations.length % 2 === 1 ? (durations[middle] as number) : ((durations[middle - 1] as number) + (durations[middle] as number)) / 2;
}
