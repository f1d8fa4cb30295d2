/**
 * UTC offsets of IANA zones straight from Intl. This is what luxon's IANAZone does; it lives
 * here so that `validate` (which needs offsets for its DST warnings) does not load all of luxon
 * at start-up, where the 150 ms budget has no room for it.
 */
import { wallMs } from "./wallClock.js";

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
const LONG_OFFSET = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

function offsetFormatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = offsetFormatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
    offsetFormatters.set(zone, formatter);
  }
  return formatter;
}

/** The name Intl knows the zone by (`europe/paris` → `Europe/Paris`, `US/Eastern` → `America/New_York`). */
export function canonicalZoneName(zone: string): string {
  return offsetFormatterFor(zone).resolvedOptions().timeZone;
}

/** Whether Intl knows the zone (any spelling it accepts). */
export function isKnownZone(zone: string): boolean {
  try {
    offsetFormatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The zone's offset from UTC at `instant`, in ms (east of Greenwich positive). Read from the
 * `longOffset` zone name ("GMT+02:00"), which is several times cheaper than formatting every
 * field; the fields are the fallback where that name does not parse.
 */
export function zoneOffsetMs(zone: string, instant: number): number {
  const match = LONG_OFFSET.exec(offsetFormatterFor(zone).format(instant));
  if (!match) return offsetFromFields(zone, instant);
  if (match[1] === undefined) return 0;
  const magnitude = (Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? 0)) * 1000;
  return match[1] === "-" ? -magnitude : magnitude;
}

function offsetFromFields(zone: string, instant: number): number {
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let beforeCommonEra = false;
  for (const part of formatterFor(zone).formatToParts(instant)) {
    switch (part.type) {
      case "year":
        year = Number(part.value);
        break;
      case "month":
        month = Number(part.value);
        break;
      case "day":
        day = Number(part.value);
        break;
      case "hour":
        hour = Number(part.value) % 24;
        break;
      case "minute":
        minute = Number(part.value);
        break;
      case "second":
        second = Number(part.value);
        break;
      case "era":
        beforeCommonEra = /^b/i.test(part.value);
        break;
      default:
        break;
    }
  }
  const wall = wallMs(beforeCommonEra ? 1 - year : year, month - 1, day, hour, minute, second);
  const wholeSecond = instant - (((instant % 1000) + 1000) % 1000);
  return wall - wholeSecond;
}
