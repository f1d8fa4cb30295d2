/**
 * A schedule as the console shows it: the cron in words, the next fires with their offsets and
 * weekdays, and the notes about a daylight-saving change among them. The same functions as
 * `nomaflow next` and `nomaflow cron` (nextFireTimes, formatFireTime) and the cron's words.
 */
import { describeCron } from "../schedule/describeCron.js";
import { dstNotes } from "../schedule/dstNotes.js";
import { fireTimesAfter, fireWeekday, formatFireTime } from "../schedule/nextFireTimes.js";
import type { ParsedCron } from "../schedule/parseCron.js";
import type { DstNote, FirePreview } from "./consoleApi.js";

export interface SchedulePreview {
  words: string;
  fires: FirePreview[];
  dstNotes: DstNote[];
}

export function firePreview(ms: number, zone: string): FirePreview {
  const at = formatFireTime(ms, zone);
  return { at, offset: at.slice(-6), weekday: fireWeekday(ms, zone) };
}

/** The first `count` fires after `fromMs`: fewer when the schedule never fires again, or not before year 9999 ends. */
export function fireTimes(cron: ParsedCron, zone: string, fromMs: number, count: number): number[] {
  const fires: number[] = [];
  const after = fireTimesAfter(cron, zone, fromMs);
  while (fires.length < count) {
    const next = after.next();
    if (next.done === true) break;
    fires.push(next.value);
  }
  return fires;
}

export function cronWords(expression: string, cron: ParsedCron): string {
  return describeCron(expression, cron);
}

/** The notes about a DST change among `fires`, each dated by the fire it concerns (or not). */
export function dstNoteViews(cron: ParsedCron, zone: string, fromMs: number, fires: readonly number[]): DstNote[] {
  return dstNotes(cron, zone, fromMs, fires).map((note) => ({ message: note.message, at: note.atMs === null ? null : formatFireTime(note.atMs, zone) }));
}

export function schedulePreview(expression: string, cron: ParsedCron, zone: string, fromMs: number, count: number): SchedulePreview {
  const fires = fireTimes(cron, zone, fromMs, count);
  return { words: cronWords(expression, cron), fires: fires.map((ms) => firePreview(ms, zone)), dstNotes: dstNoteViews(cron, zone, fromMs, fires) };
}
