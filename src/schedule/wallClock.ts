/**
 * "Naive wall ms": a local date and time encoded as `Date.UTC(year, month - 1, day, h, m, s)`.
 * Calendar arithmetic on them needs no time zone; an instant is `wall - offset`.
 */

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The Gregorian calendar repeats every 400 years, which are exactly 146,097 days. */
const GREGORIAN_CYCLE_MS = 146_097 * DAY_MS;

/**
 * `Date.UTC` for every year: `Date.UTC` itself reads years 0-99 as 1900-1999, so those are
 * computed 400 years later (same calendar) and moved back. `monthIndex` is 0-11 and, like the
 * other fields, may overflow into the next unit.
 */
export function wallMs(year: number, monthIndex: number, day = 1, hour = 0, minute = 0, second = 0): number {
  if (year >= 0 && year < 100) return Date.UTC(year + 400, monthIndex, day, hour, minute, second) - GREGORIAN_CYCLE_MS;
  return Date.UTC(year, monthIndex, day, hour, minute, second);
}

/**
 * The years fire times are computed for: ISO 8601 writes years 0000-9999 with four digits, and
 * year 0 would be 1 BC. A wall time (or a `--from`) outside [FIRST_WALL, END_WALL) is refused.
 */
export const FIRST_YEAR = 1;
export const LAST_YEAR = 9999;
export const FIRST_WALL = wallMs(FIRST_YEAR, 0, 1);
export const END_WALL = wallMs(LAST_YEAR + 1, 0, 1);

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
  return new Date(wallMs(year, month, 0)).getUTCDate();
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

/**
 * `+02:00`, `-03:00`, `+05:30`; zero is `+00:00`, never `Z`. Local mean times (most zones before
 * about 1920) are offsets to the second, written `+00:09:21` (as RFC 9557 and Temporal do):
 * rounding them to the minute would print an instant up to 59 s away from the real one.
 */
export function formatOffset(offsetMs: number): string {
  const seconds = Math.round(Math.abs(offsetMs) / SECOND_MS);
  const hoursAndMinutes = `${offsetMs < 0 ? "-" : "+"}${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}`;
  return seconds % 60 === 0 ? hoursAndMinutes : `${hoursAndMinutes}:${pad2(seconds % 60)}`;
}
