/**
 * The history charts' scales: a round maximum and its ticks for the value axis, evenly spaced
 * instants for the time axis, and a linear map from one to the other. Pure.
 */

/** 1, 2 or 5 times a power of ten, at least `rough`. */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Ticks from 0 by `step` up to the first at or above `max` (at least one step): `[0, 50, 100, 150]`. */
export function ticksUpTo(max: number, step: number): number[] {
  const top = Math.max(step, Math.ceil(max / step) * step);
  const ticks: number[] = [];
  for (let index = 0; index * step <= top; index += 1) ticks.push(index * step);
  return ticks;
}

/** Round ticks from 0 to at least `max`, at most `maxTicks` intervals or so. */
export function valueTicks(max: number, maxTicks = 4): number[] {
  return ticksUpTo(max, niceStep(max / maxTicks));
}

/** A linear map from `domain` onto `range`; a domain of one point maps to the range's middle. */
export function linearScale(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (value) => r0 + ((value - d0) / (d1 - d0)) * (r1 - r0);
}

/** How finely a time axis's labels give the time: enough for two neighbouring ticks to read differently. */
export type AxisPrecision = "second" | "minute" | "day";

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * The precision for ticks `stepMs` apart: seconds under a minute, the clock to the minute under a
 * day and a bit (a 25-hour day of a DST change must not show one date twice), else the date alone.
 */
export function axisPrecision(stepMs: number): AxisPrecision {
  if (stepMs < MINUTE_MS) return "second";
  if (stepMs < DAY_MS + 2 * 3_600_000) return "minute";
  return "day";
}

/**
 * How many evenly spread ticks a span of `spanMs` takes, at most `maxTicks`: ticks less than a
 * second apart would read the same to the second, so a span of a few seconds takes fewer.
 */
export function timeTickCount(spanMs: number, maxTicks = 5): number {
  if (!(spanMs > 0)) return 1;
  return Math.max(1, Math.min(maxTicks, Math.floor(spanMs / SECOND_MS) + 1));
}

/** `count` instants evenly spread from `fromMs` to `toMs` (one when they are the same). */
export function timeTicks(fromMs: number, toMs: number, count = 5): number[] {
  if (toMs <= fromMs || count < 2) return [fromMs];
  return Array.from({ length: count }, (_, index) => fromMs + ((toMs - fromMs) * index) / (count - 1));
}
