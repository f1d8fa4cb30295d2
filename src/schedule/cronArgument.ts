/**
 * A bare cron expression and zone typed by a person (`nomaflow cron`, the console's Cron page),
 * read into what nextFireTimes takes, or refused with the same words wherever they are typed.
 */
import { CronSyntaxError, UsageError } from "../errors/nomaflowError.js";
import { parseCron, type ParseCronOptions, type ParsedCron } from "./parseCron.js";
import { isValidTimezone, suggestTimezone } from "./timezones.js";

/** @throws UsageError naming the zone, with the likely name meant when there is one. */
export function checkTimezoneArgument(zone: string): void {
  if (isValidTimezone(zone)) return;
  const suggestion = suggestTimezone(zone);
  throw new UsageError(`unknown time zone ${zone}`, { hint: suggestion ? `did you mean ${suggestion}?` : "use an IANA name such as Europe/Paris" });
}

/** @throws UsageError with the parser's reason, and a hint pointing at the bad field (a caret under it). */
export function parseCronArgument(expression: string, options: ParseCronOptions = {}): ParsedCron {
  try {
    return parseCron(expression, options);
  } catch (error) {
    if (!(error instanceof CronSyntaxError)) throw error;
    throw new UsageError(`cron ${JSON.stringify(expression)}: ${error.message}`, {
      cause: error,
      hint: `${expression}\n        ${" ".repeat(error.offset)}^`,
    });
  }
}
