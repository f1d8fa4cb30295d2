/**
 * `nomaflow backfill JOB --from ISO --to ISO`: runs the job for each fire time of the range (see
 * backfill/runBackfill.ts), printing each run as it starts and ends, then a summary, and when
 * something did not succeed the exact command that goes on. Exit status: 0 every run succeeded (or
 * none was needed), 1 a run failed, 2 usage or configuration, 130 interrupted.
 */
import { planBackfill, type BackfillFire, type BackfillPlan } from "../../backfill/backfillPlan.js";
import { ForbidGate } from "../../backfill/forbidGate.js";
import { runBackfill, type BackfillOutcome } from "../../backfill/runBackfill.js";
import { addSucceededRunsInStore, succeededRunsInLogs } from "../../backfill/succeededRuns.js";
import { UsageError } from "../../errors/nomaflowError.js";
import type { Project } from "../../project/loadProject.js";
import { loadProject } from "../../project/loadProject.js";
import { parseParams } from "../../runner/parseParams.js";
import { requireEnvironment } from "../../runner/requiredEnvironment.js";
import type { StatePool } from "../../state/statePool.js";
import { killProcessGroupsNow } from "../../step-types/processGroup.js";
import { checkJob } from "../../validate/checkProject.js";
import { readClusterHistory, recordRunInStore } from "../clusterHistory.js";
import { parseFrom, parseUntil } from "../fireTimes.js";
import { createOutput, printJson, type Output } from "../output.js";
import { dryRunLine, endedLine, firstNotDone, goOnHeading, planLine, skippedLine, startedLine, summaryLine, waitingLine } from "../render/backfillLines.js";
import { shellQuote } from "../../files/shellQuote.js";

export interface BackfillCommandOptions {
  project?: string;
  from: string;
  to: string;
  param: string[];
  parallel: number;
  dryRun?: boolean;
  continueOnFailure?: boolean;
  rerun?: boolean;
  json?: boolean;
}

export async function backfillCommand(jobId: string, options: BackfillCommandOptions): Promise<number> {
  const output = createOutput({ whenStdoutCloses: "drop" });
  const project = loadProject({ projectDir: options.project });
  const job = await checkJob(project, jobId);
  const params = parseParams(job, options.param);
  if (options.parallel > 1 && job.concurrency === "forbid") {
    throw new UsageError(`job ${job.id} has concurrency: forbid, so its runs never overlap: --parallel ${options.parallel} cannot run them side by side`, {
      hint: `set concurrency: allow in ${job.file} to backfill ${options.parallel} at a time`,
    });
  }
  const zone = job.timezone;
  const fromMs = parseFrom(options.from, zone, "--from");
  const toMs = parseUntil(options.to, zone, "--to");
  const succeeded = succeededRunsInLogs(project.config.runsDir, job.id);
  await readClusterHistory(project, output, (store) => addSucceededRunsInStore(store, job.id, succeeded));
  const plan = planBackfill(job, { fromMs, toMs, succeeded, rerun: options.rerun ?? false });

  if (options.dryRun) return printDryRun(plan, options, output);
  requireEnvironment(project, job);
  const json = options.json ?? false;
  const say = (line: string) => (json ? undefined : output.out(line));
  say(planLine(plan, output.style));
  if (!(options.rerun ?? false)) for (const fire of plan.fires) if (fire.succeededRun !== undefined) say(skippedLine(fire, plan.fires.length, output.style));

  const outcome = await withStore(project, job.concurrency === "forbid", output, (store) =>
    runInForegroundWithSignals(project, plan, params, options, output, store),
  );
  const goOn = firstNotDone(outcome);
  const command = goOn ? goOnCommand(jobId, goOn, options) : null;
  if (json) {
    printJson(output, jsonReport(plan, outcome, command));
  } else {
    output.out(summaryLine(plan, outcome, output.style));
    if (command !== null) {
      output.out(goOnHeading(outcome));
      output.out(`  ${command}`);
    }
  }
  if (outcome.stoppedBy === "interrupt") return 130;
  return outcome.runs.some((run) => run.result.status !== "succeeded") ? 1 : 0;
}

/** With `state:` and a forbid job, the store's pool for the job's lock, closed after. */
async function withStore<T>(project: Project, needed: boolean, output: Output, work: (store: StatePool | undefined) => Promise<T>): Promise<T> {
  if (!needed || !project.config.state) return work(undefined);
  const { openStatePool } = await import("../../state/statePool.js");
  const store = openStatePool(project, { max: 1, applicationName: "nomaflow:backfill" });
  try {
    return await work(store);
  } finally {
    await store.close().catch((error: Error) => output.err(`warning: closing the state store's connection: ${error.message}`));
  }
}

async function runInForegroundWithSignals(
  project: Project,
  plan: BackfillPlan,
  params: Record<string, unknown>,
  options: BackfillCommandOptions,
  output: Output,
  store: StatePool | undefined,
): Promise<BackfillOutcome> {
  const json = options.json ?? false;
  const total = plan.fires.length;
  const interrupt = new AbortController();
  let forceStop: (() => Promise<void>) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupt.signal.aborted) {
      output.err(`${signal}: interrupting the runs going and starting no more (press Ctrl-C again to stop at once)`);
      interrupt.abort(new Error(`interrupted by ${signal}`));
      return;
    }
    killProcessGroupsNow();
    const exit = () => process.exit(130);
    if (forceStop) void forceStop().then(exit, exit);
    else exit();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const handle = runBackfill({
      project,
      job: plan.job,
      params,
      fires: plan.toRun,
      parallel: options.parallel,
      continueOnFailure: options.continueOnFailure ?? false,
      interrupt: interrupt.signal,
      gate: plan.job.concurrency === "forbid" ? new ForbidGate({ runsDir: project.config.runsDir, jobId: plan.job.id, store }) : undefined,
      recorder: () => recordRunInStore(project),
      onWarning: (warning) => output.err(`${output.errStyle.yellow("warning:")} ${warning}`),
      progress: {
        started: (fire, runId) => void (json || output.out(startedLine(fire, total, runId, output.style))),
        ended: (fire, result) => void (json || output.out(endedLine(fire, total, result, output.style))),
        waiting: (fire, heldBy) => output.err(waitingLine(fire, total, plan.job.id, heldBy, output.errStyle)),
      },
    });
    forceStop = handle.forceStop;
    return await handle.done;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function printDryRun(plan: BackfillPlan, options: BackfillCommandOptions, output: Output): number {
  const rerun = options.rerun ?? false;
  if (options.json) {
    printJson(output, {
      job: plan.job.id,
      cron: plan.schedule.expression,
      timezone: plan.schedule.timezone,
      fires: plan.fires.map((fire) => ({
        ...fireJson(fire),
        action: fire.succeededRun === undefined || rerun ? "run" : "skip",
        succeeded_run: fire.succeededRun ?? null,
      })),
    });
    return 0;
  }
  output.out(planLine(plan, output.style));
  for (const fire of plan.fires) output.out(dryRunLine(fire, plan.fires.length, rerun, output.style));
  return 0;
}

function fireJson(fire: BackfillFire) {
  return { scheduled_for: fire.logicalDate.scheduledFor, interval_start: fire.logicalDate.intervalStart, interval_end: fire.logicalDate.intervalEnd };
}

function jsonReport(plan: BackfillPlan, outcome: BackfillOutcome, command: string | null) {
  const ran = new Map(outcome.runs.map((run) => [run.fire.number, run.result]));
  return {
    job: plan.job.id,
    cron: plan.schedule.expression,
    timezone: plan.schedule.timezone,
    fires: plan.fires.map((fire) => {
      const result = ran.get(fire.number);
      if (result) return { ...fireJson(fire), status: result.status, run_id: result.runId, failed_step: result.failedStep, error: result.error };
      const skipped = !plan.toRun.includes(fire);
      return {
        ...fireJson(fire),
        status: skipped ? "skipped" : "not_run",
        run_id: skipped ? (fire.succeededRun ?? null) : null,
        failed_step: null,
        error: null,
      };
    }),
    stopped_by: outcome.stoppedBy ?? null,
    go_on: command,
  };
}

/** The command that backfills what did not succeed: from its first fire time to the same end, with the same choices. */
function goOnCommand(jobId: string, from: BackfillFire, options: BackfillCommandOptions): string {
  const words = ["nomaflow", "backfill", jobId];
  if (options.project !== undefined) words.push("-C", options.project);
  words.push("--from", from.logicalDate.scheduledFor, "--to", options.to);
  for (const param of options.param) words.push("-p", param);
  if (options.parallel > 1) words.push("--parallel", String(options.parallel));
  if (options.continueOnFailure) words.push("--continue-on-failure");
  return words.map(shellQuote).join(" ");
}
