/** Shared by `next` and `cron`: reading --from and printing fire times. */
import { DateTime } from "luxon";
import { UsageError } from "../errors.js";
import { formatFireTime, nextFireTimes } from "../schedule/nextFireTimes.js";
import type { ParsedCron } from "../schedule/parseCron.js";
import { createOutput, printJson } from "./output.js";

/** `--from`: ISO 8601; a time without an offset is read in `zone`. Default: now. */
export function parseFrom(text: string | undefined, zone: string): number {
  if (text === undefined) return Date.now();
  const parsed = DateTime.fromISO(text, { zone });
  if (!parsed.isValid) {
    throw new UsageError(`--from ${JSON.stringify(text)} is not an ISO 8601 date-time`, {
      hint: "for example 2027-03-27T12:00:00+01:00, or 2027-03-27T12:00 in the schedule's time zone",
    });
  }
  return parsed.toMillis();
}

export interface FireTimesRequest {
  expression: string;
  cron: ParsedCron;
  timezone: string;
  fromMs: number;
  count: number;
  json: boolean;
  /** Printed above the list in text mode. */
  title: string;
}

export function printFireTimes(request: FireTimesRequest): number {
  const output = createOutput();
  const fires = nextFireTimes(request.cron, request.timezone, request.fromMs, request.count).map((ms) => formatFireTime(ms, request.timezone));
  if (request.json) {
    printJson(output, { cron: request.expression, timezone: request.timezone, fires });
    return 0;
  }
  output.out(output.style.bold(request.title));
  for (const fire of fires) {
    const weekday = DateTime.fromISO(fire, { setZone: true }).toFormat("ccc");
    output.out(`  ${fire}  ${output.style.dim(weekday)}`);
  }
  if (fires.length === 0) output.out("  (never fires)");
  return 0;
}
