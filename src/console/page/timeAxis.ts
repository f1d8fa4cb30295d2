/**
 * The run page's shared time axis: every step's duration bar is placed on one axis from the run's
 * start to its end (or to now while it runs), so that a slow step and a retry gap are seen at a
 * glance. Pure: instants in, percentages and tick labels out.
 */

export interface TimeAxis {
  startMs: number;
  endMs: number;
  spanMs: number;
}

export interface TimedSpan {
  startedAt: string | null;
  endedAt: string | null;
}

/** A bar as CSS percentages of the axis's width; `open` while the step has not ended. */
export interface BarGeometry {
  leftPercent: number;
  widthPercent: number;
  open: boolean;
}

/** A bar never thinner than this (a 5 ms step on an hour's axis must still show). */
export const MIN_BAR_PERCENT = 0.4;

function instant(iso: string | null): number | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

/** From the run's start (or its earliest step's, should clocks disagree) to its end, or now. */
export function runAxis(run: TimedSpan & { steps: TimedSpan[] }, nowMs: number): TimeAxis {
  const starts = [run.startedAt, ...run.steps.map((step) => step.startedAt)].map(instant).filter((ms): ms is number => ms !== null);
  const ends = [run.endedAt, ...run.steps.map((step) => step.endedAt)].map(instant).filter((ms): ms is number => ms !== null);
  const startMs = starts.length > 0 ? Math.min(...starts) : nowMs;
  const runEnd = instant(run.endedAt);
  const endMs = Math.max(runEnd ?? nowMs, ...ends, startMs);
  return { startMs, endMs, spanMs: Math.max(endMs - startMs, 1) };
}

/** Where a step's bar sits, or null for a step that never started. A step without an end reaches to now, within the axis. */
export function barOnAxis(axis: TimeAxis, span: TimedSpan, nowMs: number): BarGeometry | null {
  const start = instant(span.startedAt);
  if (start === null) return null;
  const end = instant(span.endedAt) ?? Math.min(nowMs, axis.endMs);
  const clampedStart = Math.min(Math.max(start, axis.startMs), axis.endMs);
  const clampedEnd = Math.min(Math.max(end, clampedStart), axis.endMs);
  const leftPercent = ((clampedStart - axis.startMs) / axis.spanMs) * 100;
  const widthPercent = Math.max(((clampedEnd - clampedStart) / axis.spanMs) * 100, MIN_BAR_PERCENT);
  const left = Math.min(leftPercent, 100 - MIN_BAR_PERCENT);
  return { leftPercent: left, widthPercent: Math.min(widthPercent, 100 - left), open: instant(span.endedAt) === null };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const TICK_STEPS = [
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  24 * HOUR,
];

/** The smallest round step that cuts `spanMs` into at most `maxTicks` intervals. */
export function tickStep(spanMs: number, maxTicks = 5): number {
  const found = TICK_STEPS.find((step) => spanMs / step <= maxTicks);
  return found ?? Math.ceil(spanMs / maxTicks / (24 * HOUR)) * 24 * HOUR;
}

/** `0`, `500 ms`, `30 s`, `1 min 30 s`, `2 h`, `1 h 30 min`: a tick's offset from the run's start. */
export function formatTick(ms: number): string {
  if (ms === 0) return "0";
  if (ms < SECOND) return `${ms} ms`;
  if (ms < MINUTE) return `${ms / SECOND} s`;
  const parts: string[] = [];
  const hours = Math.floor(ms / HOUR);
  const minutes = Math.floor((ms % HOUR) / MINUTE);
  const seconds = Math.floor((ms % MINUTE) / SECOND);
  if (hours > 0) parts.push(`${hours} h`);
  if (minutes > 0) parts.push(`${minutes} min`);
  if (seconds > 0) parts.push(`${seconds} s`);
  return parts.join(" ");
}

/** The axis's ticks: round offsets from the start, as percentages with their labels. */
export function axisTicks(axis: TimeAxis, maxTicks = 5): { percent: number; label: string }[] {
  const step = tickStep(axis.spanMs, maxTicks);
  const ticks: { percent: number; label: string }[] = [];
  for (let offset = 0; offset <= axis.spanMs; offset += step) ticks.push({ percent: (offset / axis.spanMs) * 100, label: formatTick(offset) });
  return ticks;
}
