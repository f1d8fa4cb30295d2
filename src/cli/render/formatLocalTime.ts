/**
 * Instants in the machine's local time zone, for what happened on this machine (run starts,
 * event times): ISO 8601 to the second with the offset written `±HH:MM`, like fire times.
 */

const pad = (value: number, width = 2) => String(value).padStart(width, "0");

function localParts(instant: string | number): { date: Date; offsetMinutes: number } | undefined {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return undefined;
  return { date, offsetMinutes: -date.getTimezoneOffset() };
}

/** `2026-11-28T11:56:00+01:00` for `2026-11-28T10:56:00.123Z` in Paris; the input unchanged if it is not a date. */
export function formatLocalTime(instant: string | number): string {
  const parts = localParts(instant);
  if (!parts) return String(instant);
  const { date, offsetMinutes } = parts;
  const sign = offsetMinutes < 0 ? "-" : "+";
  const offset = Math.abs(offsetMinutes);
  return (
    `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(Math.floor(offset / 60))}:${pad(offset % 60)}`
  );
}

/** `11:56:00`: the local time of day, for lines that follow a run as it goes. */
export function formatLocalClock(instant: string | number): string {
  const parts = localParts(instant);
  if (!parts) return String(instant);
  const { date } = parts;
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
