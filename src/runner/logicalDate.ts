/**
 * A run's logical date: the scheduled time it is for, and the interval of data that time closes
 * (from the fire before it to it), as `${run.scheduled_for}`, `${run.interval_start}` and
 * `${run.interval_end}` give them. A scheduled or catch-up run is for its fire time; a manual run
 * for the latest fire at or before its start (or the one `run --for` names); a backfill run for its
 * fire time. A job without a schedule has no fires: its run is for the instant it starts, and its
 * interval is that instant alone.
 */
import { UsageError } from "../errors/nomaflowError.js";
import type { Job, JobSchedule } from "../project/job.js";
import { fireTimesAfter, formatFireTime, nextFireTimes } from "../schedule/nextFireTimes.js";
import { latestFireAtOrBefore, previousFireTime } from "../schedule/previousFireTime.js";
import { SECOND_MS } from "../schedule/wallClock.js";

/** Each an ISO 8601 local time in the job's zone with its offset: `2026-12-06T02:00:00+01:00`. */
export interface LogicalDate {
  scheduledFor: string;
  /** The previous fire (the same instant as scheduledFor when there is none: the first fire, or no schedule). */
  intervalStart: string;
  intervalEnd: string;
}

/** The logical date of the fire at `fireMs` (a fire time of the job's schedule). */
export function logicalDateOfFire(schedule: JobSchedule, fireMs: number): LogicalDate {
  const previous = previousFireTime(schedule.cron, schedule.timezone, fireMs);
  const scheduledFor = formatFireTime(fireMs, schedule.timezone);
  return { scheduledFor, intervalStart: previous === undefined ? scheduledFor : formatFireTime(previous, schedule.timezone), intervalEnd: scheduledFor };
}

/** A run for the instant `ms` itself (a job without a schedule, or one that never fired yet). */
function instantLogicalDate(zone: string, ms: number): LogicalDate {
  const at = formatFireTime(Math.floor(ms / SECOND_MS) * SECOND_MS, zone);
  return { scheduledFor: at, intervalStart: at, intervalEnd: at };
}

/** A manual run started at `nowMs`: for the latest fire at or before it. */
export function logicalDateOfManualRun(job: Job, nowMs: number): LogicalDate {
  if (!job.schedule) return instantLogicalDate(job.timezone, nowMs);
  const latest = latestFireAtOrBefore(job.schedule.cron, job.schedule.timezone, nowMs);
  return latest === undefined ? instantLogicalDate(job.timezone, nowMs) : logicalDateOfFire(job.schedule, latest);
}

/**
 * A run for the scheduled time `ms` (`run --for`): it must be one of the job's fire times, so that
 * its interval is a real one and a later backfill finds it. A job without a schedule takes any instant.
 * @throws UsageError naming the fire times around `ms` when it is not one
 */
export function logicalDateAt(job: Job, ms: number, asGiven: string): LogicalDate {
  if (!job.schedule) return instantLogicalDate(job.timezone, ms);
  const { cron, timezone, expression } = job.schedule;
  const atOrBefore = latestFireAtOrBefore(cron, timezone, ms);
  if (atOrBefore === ms) return logicalDateOfFire(job.schedule, ms);
  const [after] = nextFireTimes(cron, timezone, ms, 1);
  const around = [atOrBefore, after].filter((fire): fire is number => fire !== undefined).map((fire) => formatFireTime(fire, timezone));
  throw new UsageError(
    `--for ${asGiven} (${formatFireTime(Math.floor(ms / SECOND_MS) * SECOND_MS, timezone)}) is not a fire time of job ${job.id} (${expression} in ${timezone})`,
    {
      hint: around.length > 0 ? `the fire times around it: ${around.join(", ")}` : "its schedule has no fire time near it",
    },
  );
}

/**
 * `run --for DAY` (a date alone) of a scheduled job: for its one fire time that day.
 * @throws UsageError when the job fires never or more than once that day, naming the fires
 */
export function logicalDateOnDay(schedule: JobSchedule, jobId: string, dayStartMs: number, dayEndMs: number, day: string): LogicalDate {
  const fires: number[] = [];
  for (const fire of fireTimesAfter(schedule.cron, schedule.timezone, dayStartMs - 1)) {
    if (fire > dayEndMs || fires.length > 5) break;
    fires.push(fire);
  }
  if (fires.length === 1) return logicalDateOfFire(schedule, fires[0]!);
  const where = `(${schedule.expression} in ${schedule.timezone})`;
  if (fires.length === 0) throw new UsageError(`--for ${day}: job ${jobId} ${where} does not fire that day`);
  const shown = fires.slice(0, 5).map((fire) => formatFireTime(fire, schedule.timezone));
  throw new UsageError(`--for ${day}: job ${jobId} ${where} fires more than once that day`, {
    hint: `give the fire time itself, one of ${shown.join(", ")}${fires.length > 5 ? ", …" : ""}`,
  });
}

/**
 * The logical date a run records. `scheduledFor` is the fire time the caller runs it for (the
 * daemon's fire, a recovery's original); null for a manual run, which is for the latest fire.
 */
export function logicalDateOfRun(job: Job, scheduledFor: string | null, startedMs: number): LogicalDate {
  if (scheduledFor === null) return logicalDateOfManualRun(job, startedMs);
  const fireMs = Date.parse(scheduledFor);
  if (!job.schedule || !Number.isFinite(fireMs)) return { scheduledFor, intervalStart: scheduledFor, intervalEnd: scheduledFor };
  return { ...logicalDateOfFire(job.schedule, fireMs), scheduledFor, intervalEnd: scheduledFor };
}

/**
 * A chained run is for the logical date of the runs it follows, with the interval of its chain's
 * root (from the fire before it in that job's schedule; see chainRoot). It is written in the
 * chained job's zone when it has a schedule of its own, else in the root's: a date of
 * `${run.scheduled_for:date}` is then the day the runs it follows were for.
 */
export function chainedLogicalDate(job: Job, root: Job | undefined, atMs: number, nowMs: number): LogicalDate {
  const zone = job.schedule || !root ? job.timezone : root.timezone;
  const at = formatFireTime(atMs, zone);
  const upstream = root ? logicalDateOfRun(root, at, nowMs) : { scheduledFor: at, intervalStart: at, intervalEnd: at };
  const inZone = (iso: string) => formatFireTime(Date.parse(iso), zone);
  return { scheduledFor: at, intervalStart: inZone(upstream.intervalStart), intervalEnd: inZone(upstream.intervalEnd) };
}

/**
 * A run by hand of a chained job without a schedule: for the latest fire at or before `nowMs` of
 * its chain's root, or the one `run --for` names (`forRoot`, a logical date of the root), as the
 * daemon would have run it after the root's run for that date.
 */
export function logicalDateOfChainedRun(job: Job, root: Job, nowMs: number, forRoot?: LogicalDate): LogicalDate {
  const atMs = Date.parse((forRoot ?? logicalDateOfManualRun(root, nowMs)).scheduledFor);
  return chainedLogicalDate(job, root, atMs, nowMs);
}
