/**
 * The catalogue's sparkline: one bar per recent run, its height the run's duration on a scale from
 * zero to the longest, its colour the run's status. Pure: the card's `recent` in, rectangles out.
 */
import type { JobCard, RunStatus } from "../consoleApi.js";

export interface SparkBar {
  runId: string;
  status: RunStatus;
  durationMs: number | null;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SparkSize {
  width: number;
  height: number;
  /** Places on the line: the latest run is always at the right end. @default 30 */
  slots?: number;
  /** Space between two bars. @default 1 */
  gap?: number;
}

/** The shortest bar drawn, so that a run of a few milliseconds still shows. */
export const MIN_BAR_HEIGHT = 2;

/** A run still going has no duration yet: its bar is half the height, drawn as open by its class. */
const RUNNING_SHARE = 0.5;

export function sparkBars(recent: JobCard["recent"], size: SparkSize): SparkBar[] {
  const slots = size.slots ?? 30;
  const gap = size.gap ?? 1;
  const shown = recent.slice(-slots);
  const slotWidth = size.width / slots;
  const longest = Math.max(0, ...shown.map((run) => run.durationMs ?? 0));
  const firstSlot = slots - shown.length;
  return shown.map((run, index) => {
    const share = run.durationMs === null ? RUNNING_SHARE : longest === 0 ? 0 : run.durationMs / longest;
    const height = Math.max(MIN_BAR_HEIGHT, Math.round(share * size.height));
    return {
      runId: run.runId,
      status: run.status,
      durationMs: run.durationMs,
      x: (firstSlot + index) * slotWidth,
      y: size.height - height,
      width: Math.max(1, slotWidth - gap),
      height,
    };
  });
}

/**
 * The bars as one SVG path per status (a thousand jobs make a thousand sparklines: a few paths
 * each draw far faster than thirty rectangles each).
 */
export function sparkPaths(bars: readonly SparkBar[]): { status: RunStatus; d: string }[] {
  const byStatus = new Map<RunStatus, string[]>();
  for (const bar of bars) {
    const parts = byStatus.get(bar.status) ?? [];
    parts.push(`M${round(bar.x)} ${round(bar.y)}h${round(bar.width)}v${round(bar.height)}h${round(-bar.width)}z`);
    byStatus.set(bar.status, parts);
  }
  return [...byStatus].map(([status, parts]) => ({ status, d: parts.join("") }));
}

/** Which bar is under a point `x` pixels from the sparkline's left, if any. */
export function barAt(bars: readonly SparkBar[], x: number): SparkBar | null {
  return bars.find((bar) => x >= bar.x && x < bar.x + bar.width + 1) ?? null;
}

function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}
