/** How `nomaflow backfill` reports: one line per fire as it goes, then a summary and where to go on. */
import type { ChalkInstance } from "chalk";
import type { BackfillFire, BackfillPlan } from "../../backfill/backfillPlan.js";
import type { BackfillOutcome } from "../../backfill/runBackfill.js";
import { formatDuration } from "../../project/formatDuration.js";
import type { RunResult } from "../../runner/startRun.js";

/** `[3/7]`, padded so the fires' lines line up. */
function position(fire: BackfillFire, total: number): string {
  return `[${String(fire.number).padStart(String(total).length)}/${total}]`;
}

/** The first line: the job, its range and what will happen. */
export function planLine(plan: BackfillPlan, style: ChalkInstance): string {
  const { job, schedule, fires, toRun } = plan;
  const head = `${style.bold(`backfill ${job.id}`)}: ${schedule.expression} in ${schedule.timezone}`;
  if (fires.length === 0) return `${head}, no fire time in that range`;
  const range =
    fires.length === 1
      ? `1 fire time, ${fires[0]!.logicalDate.scheduledFor}`
      : `${fires.length} fire times from ${fires[0]!.logicalDate.scheduledFor} to ${fires.at(-1)!.logicalDate.scheduledFor}`;
  const skipped = fires.length - toRun.length;
  return `${head}, ${range}: ${toRun.length} to run${skipped > 0 ? `, ${skipped} already succeeded` : ""}`;
}

/** A fire skipped because a run for its logical date succeeded. */
export function skippedLine(fire: BackfillFire, total: number, style: ChalkInstance): string {
  return style.dim(`${position(fire, total)} ↷ ${fire.logicalDate.scheduledFor}  already succeeded in run ${fire.succeededRun}`);
}

/** `--dry-run`: what each fire would do. */
export function dryRunLine(fire: BackfillFire, total: number, rerun: boolean, style: ChalkInstance): string {
  if (fire.succeededRun === undefined) return `${position(fire, total)} ▶ ${fire.logicalDate.scheduledFor}  would run`;
  if (rerun) return `${position(fire, total)} ▶ ${fire.logicalDate.scheduledFor}  would run again (succeeded in run ${fire.succeededRun})`;
  return skippedLine(fire, total, style);
}

export function startedLine(fire: BackfillFire, total: number, runId: string, style: ChalkInstance): string {
  return `${position(fire, total)} ${style.cyan("▶")} ${fire.logicalDate.scheduledFor}  run ${runId}`;
}

export function waitingLine(fire: BackfillFire, total: number, jobId: string, heldBy: string, style: ChalkInstance): string {
  return `${position(fire, total)} ${style.yellow("…")} ${fire.logicalDate.scheduledFor}  waits for run ${heldBy} of ${jobId} to end (concurrency: forbid)`;
}

export function endedLine(fire: BackfillFire, total: number, result: RunResult, style: ChalkInstance): string {
  const at = `${position(fire, total)} `;
  const when = fire.logicalDate.scheduledFor;
  const duration = formatDuration(result.durationMs);
  if (result.status === "succeeded") return `${at}${style.green("✓")} ${when}  succeeded in ${duration}`;
  const where = result.failedStep ? ` at step ${result.failedStep}` : "";
  const mark = result.status === "failed" ? style.red("✗") : style.yellow("■");
  return `${at}${mark} ${when}  ${result.status}${where} after ${duration}${result.error ? `: ${result.error}` : ""}`;
}

/** The counts at the end: `5 succeeded, 1 failed, 1 skipped (already succeeded)`. */
export function summaryLine(plan: BackfillPlan, outcome: BackfillOutcome, style: ChalkInstance): string {
  const count = (status: RunResult["status"]) => outcome.runs.filter((run) => run.result.status === status).length;
  const parts = [
    style.green(`${count("succeeded")} succeeded`),
    ...(count("failed") > 0 ? [style.red(`${count("failed")} failed`)] : []),
    ...(count("interrupted") > 0 ? [style.yellow(`${count("interrupted")} interrupted`)] : []),
    ...(plan.fires.length > plan.toRun.length ? [`${plan.fires.length - plan.toRun.length} skipped (already succeeded)`] : []),
    ...(outcome.notRun.length > 0 ? [`${outcome.notRun.length} not run`] : []),
  ];
  return `${style.bold(`backfill ${plan.job.id}`)}: ${parts.join(", ")}`;
}

/** Why the backfill ended early, or what a failure left, before the command that goes on. */
export function goOnHeading(outcome: BackfillOutcome): string {
  if (outcome.stoppedBy === "interrupt") return "interrupted; to go on (fire times that succeeded are skipped):";
  if (outcome.stoppedBy === "failure") return "stopped at the first failure (--continue-on-failure goes on past failures); to go on once it is fixed:";
  return "to run the ones that did not succeed again:";
}

/** The earliest fire time that did not succeed, where the next backfill over the range should start. */
export function firstNotDone(outcome: BackfillOutcome): BackfillFire | undefined {
  const pending = [...outcome.runs.filter((run) => run.result.status !== "succeeded").map((run) => run.fire), ...outcome.notRun];
  return pending.sort((a, b) => a.number - b.number)[0];
}
