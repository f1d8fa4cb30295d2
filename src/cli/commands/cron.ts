import { checkTimezoneArgument, parseCronArgument } from "../../schedule/cronArgument.js";
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
  checkTimezoneArgument(options.tz);
  const cron = parseCronArgument(expression, options.seed === undefined ? {} : { seed: options.seed });
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
