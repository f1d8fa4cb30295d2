/** `GET api/cron?expression=…&timezone=…&count=N`: the `cron` command in a page. */
import { UsageError } from "../errors/nomaflowError.js";
import { checkTimezoneArgument, parseCronArgument } from "../schedule/cronArgument.js";
import type { CronPreview } from "./consoleApi.js";
import { HttpRefusal } from "./httpAnswers.js";
import { schedulePreview } from "./schedulePreview.js";

const DEFAULT_COUNT = 10;
const MAX_COUNT = 100;

/** @throws HttpRefusal 400 for a bad expression, zone or count, with the same words as `nomaflow cron` */
export function cronPreview(query: URLSearchParams, now: number): CronPreview {
  const expression = query.get("expression") ?? "";
  const timezone = query.get("timezone") || "UTC";
  const countText = query.get("count");
  const count = countText === null || countText === "" ? DEFAULT_COUNT : Number(countText);
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw new HttpRefusal(400, `count must be a whole number from 1 to ${MAX_COUNT}`);
  if (expression.length > 200) throw new HttpRefusal(400, "the expression is longer than 200 characters");
  try {
    checkTimezoneArgument(timezone);
    const cron = parseCronArgument(expression);
    return { expression, timezone, ...schedulePreview(expression, cron, timezone, now, count) };
  } catch (error) {
    if (error instanceof UsageError) throw new HttpRefusal(400, error.message, { hint: error.hint, cause: error });
    throw error;
  }
}
