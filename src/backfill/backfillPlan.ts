/**
 * The fire times a backfill covers, in order, each with its logical date, and which of them
 * already have a succeeded run for that logical date (skipped unless `--rerun`).
 */
import { UsageError } from "../errors/nomaflowError.js";
import type { Job, JobSchedule } from "../project/job.js";
import { logicalDateOfFire, type LogicalDate } from "../runner/logicalDate.js";
import { fireTimesAfter, formatFireTime } from "../schedule/nextFireTimes.js";

/** More fire times than this in one backfill is a mistake (a per-second schedule over a month), refused. */
export const MAX_BACKFILL_FIRES = 10_000;

export interface BackfillFire {
  /** 1-based position among the range's fire times. */
  number: number;
  ms: number;
  logicalDate: LogicalDate;
  /** A run that already succeeded for this logical date: the fire is skipped (unless --rerun). */
  succeededRun: string | undefined;
}

export interface BackfillPlan {
  job: Job;
  schedule: JobSchedule;
  fromMs: number;
  toMs: number;
  /** Every fire time of the range, in order. */
  fires: BackfillFire[];
  /** Those to run: all of them with `rerun`, else the ones without a succeeded run. */
  toRun: BackfillFire[];
}

export interface PlanBackfillOptions {
  fromMs: number;
  /** Inclusive. */
  toMs: number;
  /** Succeeded runs by logical date (epoch ms): run id. */
  succeeded: ReadonlyMap<number, string>;
  rerun: boolean;
}

/** @throws UsageError for a job without a schedule, an empty or reversed range, or too many fire times */
export function planBackfill(job: Job, options: PlanBackfillOptions): BackfillPlan {
  const schedule = job.schedule;
  if (!schedule) throw new UsageError(`job ${job.id} has no schedule, so it has no fire times to backfill`, { hint: `run it by hand: nomaflow run ${job.id}` });
  const { fromMs, toMs } = options;
  const zone = schedule.timezone;
  if (toMs < fromMs) {
    throw new UsageError(`--to ${formatFireTime(toMs - (toMs % 1000), zone)} is before --from ${formatFireTime(fromMs - (fromMs % 1000), zone)}`);
  }
  const instants: number[] = [];
  for (const fire of fireTimesAfter(schedule.cron, zone, fromMs - 1)) {
    if (fire > toMs) break;
    instants.push(fire);
    if (instants.length > MAX_BACKFILL_FIRES) {
      throw new UsageError(`job ${job.id} (${schedule.expression} in ${zone}) fires more than ${MAX_BACKFILL_FIRES} times in that range`, {
        hint: "backfill a shorter range at a time",
      });
    }
  }
  // Each interval starts at the fire before: the range's own fires chain, only the first looks back.
  const fires: BackfillFire[] = instants.map((ms, index) => {
    const logicalDate =
      index === 0
        ? logicalDateOfFire(schedule, ms)
        : { scheduledFor: formatFireTime(ms, zone), intervalStart: formatFireTime(instants[index - 1]!, zone), intervalEnd: formatFireTime(ms, zone) };
    return { number: index + 1, ms, logicalDate, succeededRun: options.succeeded.get(ms) };
  });
  const toRun = options.rerun ? fires : fires.filter((fire) => fire.succeededRun === undefined);
  return { job, schedule, fromMs, toMs, fires, toRun };
}
