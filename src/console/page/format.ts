/**
 * How the page writes numbers and times: durations, rows and bytes with the CLI's own functions,
 * plus the coarse "in 3 h 05 min" of a fire to come and an instant on the viewer's clock. Pure:
 * the current time is always passed in.
 */
import type { FirePreview } from "../consoleApi.js";
import type { AxisPrecision } from "./chartScale.js";
import { formatDuration } from "../../project/formatDuration.js";

export { formatDuration };
export { formatBytes, formatRows } from "../../project/formatRowsAndBytes.js";

const pad2 = (value: number) => String(value).padStart(2, "0");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A span for a glance, two units at most: `42 s`, `12 min`, `3 h 05 min`, `2 d 04 h`. */
export function formatSpan(ms: number): string {
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${pad2(minutes % 60)} min`;
  return `${Math.floor(hours / 24)} d ${pad2(hours % 24)} h`;
}

/** `in 3 h 05 min`, `12 min ago`, or `now` within a second. */
export function formatRelative(targetMs: number, nowMs: number): string {
  const delta = targetMs - nowMs;
  if (!Number.isFinite(delta)) return "—";
  if (Math.abs(delta) < 1000) return "now";
  return delta > 0 ? `in ${formatSpan(delta)}` : `${formatSpan(-delta)} ago`;
}

/** `41.7 %` (one decimal), from a rate between 0 and 1. */
export function formatPercent(rate: number): string {
  return `${(Math.round(rate * 1000) / 10).toFixed(1)} %`;
}

const ZONED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/;

/**
 * A fire time as written in its job's zone, without converting it: `Sun 28 Mar 03:00`, with the
 * year when it is not `currentYear`, and the seconds when a six-field cron gave some.
 */
export function formatFire(fire: Pick<FirePreview, "at" | "weekday">, currentYear: number): string {
  const parts = ZONED.exec(fire.at);
  if (!parts) return fire.at;
  const [, year, month, day, hour, minute, second] = parts;
  const clock = second && second !== "00" ? `${hour}:${minute}:${second}` : `${hour}:${minute}`;
  const date = `${Number(day)} ${MONTHS[Number(month) - 1] ?? month}${Number(year) === currentYear ? "" : ` ${year}`}`;
  return `${fire.weekday} ${date} ${clock}`;
}

/** `+01:00` for a zone one hour ahead of UTC, from `Date#getTimezoneOffset` (minutes behind UTC). */
export function formatUtcOffset(timezoneOffsetMinutes: number): string {
  const ahead = -timezoneOffsetMinutes;
  const sign = ahead < 0 ? "-" : "+";
  const minutes = Math.abs(ahead);
  return `${sign}${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}

/** An instant on the viewer's clock: `2026-12-06 02:00:13` (the browser's zone; seconds optional). */
export function formatLocal(date: Date, withSeconds = true): string {
  const day = `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`;
  const clock = `${pad2(date.getHours())}:${pad2(date.getMinutes())}${withSeconds ? `:${pad2(date.getSeconds())}` : ""}`;
  return `${day} ${clock}`;
}

/** A value of a run's params or output on one line: text as it is, anything else as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value) ?? String(value);
}

/** A log line's time on the viewer's clock, to the millisecond: `02:00:01.123`. */
export function formatClockMs(date: Date): string {
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}

/** A count on a chart's axis: `950`, `12k`, `1.5M`. */
export function formatCount(value: number): string {
  const units: [number, string][] = [
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [size, unit] of units) {
    if (Math.abs(value) >= size) return `${Number((value / size).toFixed(1))}${unit}`;
  }
  return String(Math.round(value));
}

/** A time axis's label on the viewer's clock: `6 Dec`, `6 Dec 02:00` or `6 Dec 02:00:13`, as precise as asked; `02:00:13` without the day. */
export function formatAxisDate(date: Date, precision: AxisPrecision, withDay = true): string {
  const day = `${date.getDate()} ${MONTHS[date.getMonth()]}`;
  if (precision === "day") return day;
  const clock = `${pad2(date.getHours())}:${pad2(date.getMinutes())}${precision === "second" ? `:${pad2(date.getSeconds())}` : ""}`;
  return withDay ? `${day} ${clock}` : clock;
}

/**
 * A time axis's labels: to the second, the day is given on the first label and where it changes
 * only, so that labels a few seconds apart stay short enough not to run into each other.
 */
export function formatAxisLabels(times: readonly number[], precision: AxisPrecision): string[] {
  return times.map((ms, index) => {
    const date = new Date(ms);
    const before = index === 0 ? null : new Date(times[index - 1]!);
    const newDay = before === null || before.toDateString() !== date.toDateString();
    return formatAxisDate(date, precision, precision !== "second" || newDay);
  });
}

/** A connection's latency: `0.4 ms`, `12 ms`. */
export function formatLatency(ms: number): string {
  return ms < 10 ? `${(Math.round(ms * 10) / 10).toFixed(1)} ms` : `${Math.round(ms)} ms`;
}
