/**
 * Values between Node and the Python bridge. JSON carries most of them as they are; the rest go
 * tagged, `{"$nf": tag, "v": text}`, and the bridge rebuilds them (bridge/_nomaflow_values.py):
 *
 * | database / Node value                      | tag      | in Python                 |
 * |--------------------------------------------|----------|---------------------------|
 * | numeric (text in Node)                     | decimal  | decimal.Decimal           |
 * | int8 too big for a double (text in Node)   | int      | int                       |
 * | date                                       | date     | datetime.date             |
 * | timestamp                                  | datetime | naive datetime.datetime   |
 * | timestamptz, any other Date                | datetime | datetime in UTC (aware)   |
 * | time                                       | time     | datetime.time             |
 * | interval without months or years           | timedelta| datetime.timedelta        |
 * | interval with months or years              |          | str, ISO 8601 (P0Y1M2D…) |
 * | bytea, Buffer                              | bytes    | bytes (base64 on the pipe) |
 * | date/timestamp(tz) ±infinity (±Infinity)   |          | str "infinity", "-infinity" |
 * | NaN, ±Infinity, BigInt                     | float/int| float, int                |
 *
 * An infinite date or timestamp has no datetime in Python; as the text PostgreSQL writes and reads
 * it, it goes back as a parameter and out as output unchanged.
 *
 * The other way only bytes are tagged: Python sends dates, Decimal and big integers as the text
 * PostgreSQL reads, and bytes become a Buffer, which pg sends as bytea.
 */
import type { QueryField, QueryResult } from "../../connectors/connector.js";

export type Wire = null | boolean | number | string | Wire[] | { [key: string]: Wire };

const TAG = "$nf";

const INT8 = 20;
const DATE = 1082;
const TIME = 1083;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const INTERVAL = 1186;
const NUMERIC = 1700;
/** Array type OIDs and their element types, so `date[]` comes back as a list of dates. */
const ARRAY_ELEMENTS = new Map([
  [1016, INT8],
  [1182, DATE],
  [1183, TIME],
  [1115, TIMESTAMP],
  [1185, TIMESTAMPTZ],
  [1187, INTERVAL],
  [1231, NUMERIC],
]);

/** Types whose ±infinity pg gives as ±Infinity. */
const DATE_TYPES = new Set([DATE, TIMESTAMP, TIMESTAMPTZ]);

const tag = (name: string, text: string): Wire => ({ [TAG]: name, v: text });
const pad = (value: number, width = 2) => String(value).padStart(width, "0");

/** A value for Python; `oid` is the column's type when it came from a query. */
export function toPython(value: unknown, oid?: number): Wire {
  switch (typeof value) {
    case "undefined":
      return null;
    case "string":
      if (oid === NUMERIC) return tag("decimal", value);
      if (oid === INT8) return tag("int", value);
      if (oid === TIME) return timeTag(value);
      return value;
    case "number":
      if (Number.isFinite(value)) return value;
      if (oid !== undefined && DATE_TYPES.has(oid) && !Number.isNaN(value)) return value > 0 ? "infinity" : "-infinity";
      // float() reads "NaN", "Infinity" and "-Infinity".
      return tag("float", String(value));
    case "bigint":
      return tag("int", value.toString());
    case "boolean":
      return value;
    case "object":
      break;
    default:
      return String(value);
  }
  if (value === null) return null;
  if (value instanceof Date) return dateTag(value, oid);
  if (value instanceof Uint8Array) return tag("bytes", Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"));
  if (Array.isArray(value)) {
    const element = oid === undefined ? undefined : ARRAY_ELEMENTS.get(oid);
    return value.map((item: unknown) => toPython(item, element));
  }
  if (oid === INTERVAL) return intervalTag(value as Interval);
  const prototype: unknown = Object.getPrototypeOf(value);
  const custom = value as { toPostgres?: () => unknown };
  // pg's own value classes (an interval): the text PostgreSQL would read back.
  if (prototype !== Object.prototype && prototype !== null && typeof custom.toPostgres === "function") return String(custom.toPostgres());
  const result: Record<string, Wire> = {};
  for (const [key, item] of Object.entries(value)) result[key] = toPython(item);
  return result;
}

/** A row with each column converted by its type. */
export function rowToPython(row: Record<string, unknown>, fields: readonly QueryField[]): Record<string, Wire> {
  const result: Record<string, Wire> = {};
  for (const field of fields) result[field.name] = toPython(row[field.name], field.dataTypeId);
  return result;
}

export type QueryMethod = "scalar" | "fetch" | "fetchrow" | "execute";

/** What each connector method returns, as the connector's own methods do (connectorQueries.ts), with types kept. */
export function queryAnswer(method: QueryMethod, result: QueryResult): Wire {
  switch (method) {
    case "scalar": {
      const field = result.fields[0];
      const row = result.rows[0];
      return row && field ? toPython(row[field.name] ?? null, field.dataTypeId) : null;
    }
    case "fetch":
      return result.rows.map((row) => rowToPython(row, result.fields));
    case "fetchrow":
      return result.rows[0] ? rowToPython(result.rows[0], result.fields) : null;
    case "execute":
      return result.rowCount;
  }
}

/** A value from Python: plain JSON, except tagged bytes, which become a Buffer. */
export function fromPython(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromPython);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 2 && record[TAG] === "bytes" && typeof record.v === "string") return Buffer.from(record.v, "base64");
  const result: Record<string, unknown> = {};
  for (const key of keys) result[key] = fromPython(record[key]);
  return result;
}

function dateTag(value: Date, oid: number | undefined): Wire {
  if (Number.isNaN(value.getTime())) return null;
  // pg reads date and timestamp (without time zone) as local wall time: the same fields come back out.
  const local = oid === DATE || oid === TIMESTAMP;
  const year = local ? value.getFullYear() : value.getUTCFullYear();
  // Python's datetime holds years 1 to 9999 only; others stay as text.
  if (year < 1 || year > 9999) return value.toISOString();
  if (oid === DATE) return tag("date", `${pad(year, 4)}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`);
  if (local) {
    const wall = `${pad(year, 4)}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}T${pad(value.getHours())}:${pad(value.getMinutes())}:${pad(value.getSeconds())}.${pad(value.getMilliseconds(), 3)}`;
    return tag("datetime", wall);
  }
  return tag("datetime", value.toISOString().replace(/Z$/, "+00:00"));
}

/** `HH:MM:SS[.f]` with six fraction digits, the form every Python from 3.8 parses. */
function timeTag(text: string): Wire {
  const match = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!match || Number(match[1]) > 23) return text;
  return tag("time", `${match[1]}:${match[2]}:${match[3]}.${(match[4] ?? "").padEnd(6, "0")}`);
}

/** pg's interval value (postgres-interval): fields left out when zero. */
interface Interval {
  years?: number;
  months?: number;
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  milliseconds?: number;
  toISOString?: () => string;
}

/** A timedelta when the interval is a fixed length; months and years are not, so those stay ISO 8601 text. */
function intervalTag(value: Interval): Wire {
  if (value.years || value.months) return typeof value.toISOString === "function" ? value.toISOString() : JSON.stringify(value);
  const seconds = (value.days ?? 0) * 86_400 + (value.hours ?? 0) * 3_600 + (value.minutes ?? 0) * 60 + (value.seconds ?? 0) + (value.milliseconds ?? 0) / 1000;
  return tag("timedelta", String(seconds));
}
