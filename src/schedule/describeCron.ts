/**
 * A parsed cron in plain words, as the console shows beside the expression and `nomaflow cron`
 * prints in its title: "At 02:00, every day", "Every 15 minutes", "At 09:00 on the last Friday
 * of the month". Written from the parsed value sets, which are what fires: `*\/15` in the hour
 * field is 00:00 and 15:00, not "every 15 hours", and `H` is the value it picked.
 */
import { dayWords } from "./cronDayWords.js";
import { clockTime, countedValues, cycleStep, cyclicOrder, cyclicRun, joinWords, lowerFirst, ordinal } from "./cronWords.js";
import type { ParsedCron } from "./parseCron.js";

/** Up to this many times of day are listed one by one ("At 02:00 and 14:30"). */
const MAX_LISTED_TIMES = 6;

/** How the time of day reads. */
interface TimeWords {
  readonly text: string;
  /** A few times of day, listed: the days are then said even when every day fires ("At 02:00, every day"). */
  readonly listed: boolean;
}

/**
 * The schedule in words: short, capitalised, no trailing period.
 *
 * @param _expression the cron as written; the words come from `cron` alone, whose value sets
 * (with `H` already picked and steps already expanded) are what fires.
 */
export function describeCron(_expression: string, cron: ParsedCron): string {
  const time = timeWords(cron);
  const days = dayWords(cron);
  return `${time.text}${days.everyDay && time.listed ? ", every day" : ""}${days.text}`;
}

function timeWords(cron: ParsedCron): TimeWords {
  const { seconds, minutes, hours } = cron;
  const secondsMatter = !(seconds.length === 1 && seconds[0] === 0);
  if (!secondsMatter) return minuteWords(minutes, hours);

  const count = seconds.length * minutes.length * hours.length;
  if (count <= MAX_LISTED_TIMES) {
    const times = cyclicOrder(hours, 0, 23).flatMap((hour) => minutes.flatMap((minute) => seconds.map((second) => clockTime(hour, minute, second))));
    return { text: `At ${joinWords(times)}`, listed: true };
  }
  const step = cycleStep(seconds, 60);
  const first = seconds[0] as number;
  const last = seconds[seconds.length - 1] as number;
  if (seconds.length !== 60 && step === undefined) {
    // Chosen seconds of the minutes described: "Every 15 minutes, at second 15".
    if (minutes.length === 60 && hours.length === 24) return { text: `At ${countedValues(seconds, "second")} past every minute`, listed: false };
    return { text: `${minuteWords(minutes, hours).text}, at ${countedValues(seconds, "second")}`, listed: false };
  }
  const lead = seconds.length === 60 ? "Every second" : `Every ${step} seconds`;
  const phase = first === 0 ? "" : `, starting at second ${first} of each minute`;
  if (minutes.length === 60) {
    if (hours.length === 24) return { text: `${lead}${phase}`, listed: false };
    const window = cyclicRun(hours, 0, 23);
    if (window !== undefined) return { text: `${lead} from ${clockTime(window.from, 0, first)} to ${clockTime(window.to, 59, last)}`, listed: false };
  }
  return { text: `${lead}${phase}, ${lowerFirst(minuteWords(minutes, hours).text)}`, listed: false };
}

function minuteWords(minutes: readonly number[], hours: readonly number[]): TimeWords {
  const allMinutes = minutes.length === 60;
  const allHours = hours.length === 24;
  if (allMinutes && allHours) return { text: "Every minute", listed: false };
  if (minutes.length * hours.length <= MAX_LISTED_TIMES) {
    return { text: `At ${joinWords(cyclicOrder(hours, 0, 23).flatMap((hour) => minutes.map((minute) => clockTime(hour, minute))))}`, listed: true };
  }

  const firstMinute = minutes[0] as number;
  const lastMinute = minutes[minutes.length - 1] as number;
  const window = cyclicRun(hours, 0, 23);
  const hourStep = hours[0] === 0 ? cycleStep(hours, 24) : undefined;
  const step = cycleStep(minutes, 60);

  if (allMinutes || step !== undefined) {
    const lead = allMinutes ? "Every minute" : `Every ${step} minutes`;
    // Inside a window its first and last times show where the minutes start; elsewhere say it.
    const phase = allMinutes || firstMinute === 0 || window !== undefined ? "" : `, starting at minute ${firstMinute} of each hour`;
    if (allHours) return { text: `${lead}${phase}`, listed: false };
    if (window !== undefined) {
      return { text: `${lead} from ${clockTime(window.from, firstMinute)} to ${clockTime(window.to, lastMinute)}`, listed: false };
    }
    const during = hourStep !== undefined ? `every ${ordinal(hourStep)} hour` : countedValues(hours, "hour");
    return { text: `${lead}${phase}${phase === "" ? "" : ","} during ${during}`, listed: false };
  }

  if (minutes.length === 1 && window !== undefined) {
    return { text: `Every hour from ${clockTime(window.from, firstMinute)} to ${clockTime(window.to, firstMinute)}`, listed: false };
  }
  const at = `At ${countedValues(minutes, "minute")} past`;
  if (allHours) return { text: `${at} every hour`, listed: false };
  if (window !== undefined) {
    return { text: `${at} every hour from ${clockTime(window.from, firstMinute)} to ${clockTime(window.to, lastMinute)}`, listed: false };
  }
  if (hourStep !== undefined) return { text: `${at} every ${ordinal(hourStep)} hour`, listed: false };
  return { text: `${at} ${countedValues(hours, "hour")}`, listed: false };
}
