/** Shared by `next` and `cron`: reading --from and printing fire times. */
import { DateTime } from "luxon";
import { UsageError } from "../errors/nomaflowError.js";
import { lowerFirst } from "../schedule/cronWords.js";
import { describeCron } from "../schedule/describeCron.js";
import { fireWeekday, formatFireTime, nextFireTimes } from "../schedule/nextFireTimes.js";
import type { ParsedCron } from "../schedule/parseCron.js";
import { FIRST_YEAR, LAST_YEAR } from "../schedule/wallClock.js";
import { createOutput, printJson } from "./output.js";

/**
 * `--from` (and `--to`, `--for`): ISO 8601; a time without an offset is read in `zone`. Default:
 * now. A local time the clocks skip (02:30 on a spring-forward night in Paris) is read with the
 * offset in force before the jump, so it lands as far after the jump as it was after its start
 * (03:30+02:00).
 */
export function parseFrom(text: string | undefined, zone: string, flag = "--from"): number {
  if (text === undefined) return Date.now();
  const parsed = DateTime.fromISO(text, { zone });
  if (!parsed.isValid) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} is not an ISO 8601 date-time`, {
      hint: "for example 2027-03-27T12:00:00+01:00, or 2027-03-27T12:00 in the schedule's time zone",
    });
  }
  // The year as the schedule's zone sees it, which is what the fire times are printed in.
  const localYear = parsed.setZone(zone).year;
  if (localYear < FIRST_YEAR || localYear > LAST_YEAR) {
    throw new UsageError(
      `${flag} ${JSON.stringify(text)} lies in year ${localYear} in ${zone}; fire times are computed for years ${FIRST_YEAR} to ${LAST_YEAR}`,
    );
  }
  return parsed.toMillis();
}

/** A date alone, `2026-10-25`: a whole day. */
export const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The inclusive end of a range (`backfill --to`): as {@link parseFrom}, but a date alone takes in
 * the whole day, up to the next day's start in `zone` (excluded; a day may last 23 or 25 hours).
 */
export function parseUntil(text: string, zone: string, flag: string): number {
  const start = parseFrom(text, zone, flag);
  if (!DATE_ONLY.test(text)) return start;
  const nextDay = new Date(Date.parse(`${text}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return Math.max(start, parseFrom(nextDay, zone, flag) - 1);
}

export interface FireTimesRequest {
  expression: string;
  cron: ParsedCron;
  timezone: string;
  fromMs: number;
  count: number;
  json: boolean;
  /** Printed above the list in text mode, given the schedule in words (`at 02:00, every day`). */
  title: (words: string) => string;
  /** A second line under the title (a chained job's `after …`), given the schedule in words. */
  subtitle?: ((words: string) => string) | undefined;
  /** More fields of the JSON document (a chained job's `trigger`). */
  extra?: Record<string, unknown> | undefined;
}

export function printFireTimes(request: FireTimesRequest): number {
  const output = createOutput();
  let instants: number[];
  try {
    instants = nextFireTimes(request.cron, request.timezone, request.fromMs, request.count);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new UsageError(`${request.expression} in ${request.timezone}: ${error.message}`, {
      cause: error,
      hint: "ask for fewer (-n) or start earlier (--from)",
    });
  }
  const fires = instants.map((ms) => formatFireTime(ms, request.timezone));
  const words = describeCron(request.expression, request.cron);
  if (request.json) {
    printJson(output, { cron: request.expression, timezone: request.timezone, words, fires, ...request.extra });
    return 0;
  }
  output.out(output.style.bold(request.title(lowerFirst(words))));
  if (request.subtitle) output.out(`  ${request.subtitle(lowerFirst(words))}`);
  instants.forEach((ms, index) => output.out(`  ${fires[index]}  ${output.style.dim(fireWeekday(ms, request.timezone))}`));
  if (fires.length === 0) output.out("  (never fires)");
  return 0;
}
