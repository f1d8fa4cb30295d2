import { CronSyntaxError, UsageError } from "../../errors/nomaflowError.js";
import { parseCron } from "../../schedule/parseCron.js";
import { isValidTimezone, suggestTimezone } from "../../schedule/timezones.js";
import { parseFrom, printFireTimes } from "../fireTimes.js";

export interface CronOptions {
  tz: string;
  count: number;
  from?: string;
  /** What `H` hashes: the id of the job the expression is meant for. */
  seed?: string;
  json?: boolean;
}

export async function cronCommand(expression: string, options: CronOptions): Promise<number> {
  if (!isValidTimezone(options.tz)) {
    const suggestion = suggestTimezone(options.tz);
    throw new UsageError(`unknown time zone ${options.tz}`, { hint: suggestion ? `did you mean ${suggestion}?` : "use an IANA name such as Europe/Paris" });
  }
  let cron;
  try {
    cron = parseCron(expression, options.seed === undefined ? {} : { seed: options.seed });
  } catch (error) {
    if (!(error instanceof CronSyntaxError)) throw error;
    throw new UsageError(`cron ${JSON.stringify(expression)}: ${error.message}`, {
      cause: error,
      hint: `${expression}\n        ${" ".repeat(error.offset)}^`,
    });
  }
  return printFireTimes({
    expression,
    cron,
    timezone: options.tz,
    fromMs: parseFrom(options.from, options.tz),
    count: options.count,
    json: options.json ?? false,
    title: (words) => `${expression} in ${options.tz} (${words}):`,
  });
}
