/**
 * "Naive wall ms": a local date and time encoded as `Date.UTC(year, month - 1, day, h, m, s)`.
 * Calendar arithmetic on them needs no time zone; an instant is `wall - offset`.
 */

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The calendar fields of a naive wall ms; `month` is 1-12, `weekday` 0-6 with 0 = Sunday. */
export interface WallParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly weekday: number;
}

export function wallParts(wall: number): WallParts {
  const date = new Date(wall);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    weekday: date.getUTCDay(),
  };
}

export function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const pad2 = (value: number): string => String(value).padStart(2, "0");

/** `2027-03-28` */
export function formatWallDate(wall: number): string {
  const { year, month, day } = wallParts(wall);
  return `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(day)}`;
}

/** `02:30`, or `02:30:15` with seconds. */
export function formatWallTime(wall: number, withSeconds: boolean): string {
  const { hour, minute, second } = wallParts(wall);
  return withSeconds ? `${pad2(hour)}:${pad2(minute)}:${pad2(second)}` : `${pad2(hour)}:${pad2(minute)}`;
}

/** `+02:00`, `-03:00`, `+05:30`; zero is `+00:00`, never `Z`. */
export function formatOffset(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / MINUTE_MS);
  return `${offsetMs < 0 ? "-" : "+"}${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}
