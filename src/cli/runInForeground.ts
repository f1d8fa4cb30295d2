/**
 * Runs a job in this process for a command (`run`, `demo`): with the renderer that suits where
 * the output goes (a live timeline on a terminal, plain lines elsewhere, NDJSON with --json) and
 * Ctrl-C handled: the first one stops the running step and writes run_interrupted, the second
 * stops at once. With `state` in nomaflow.yaml the run is also recorded in the state store, which
 * never fails it: what the store could not take is a warning.
 */
import type { Job } from "../project/job.js";
import type { Project } from "../project/loadProject.js";
import { startRun, type RunOptions, type RunResult } from "../runner/startRun.js";
import { killProcessGroupsNow } from "../step-types/processGroup.js";
import { recordRunInStore } from "./clusterHistory.js";
import type { Output } from "./output.js";
import { jsonRenderer, liveRenderer, plainRenderer } from "./render/runRenderers.js";

/** Exit status of a command that ran a job, for each way a run ends. */
export const RUN_EXIT_CODES = { succeeded: 0, failed: 1, interrupted: 130 } as const;

export interface ForegroundRunOptions {
  project: Project;
  job: Job;
  /** Typed, with defaults filled in (see parseParams). */
  params: Record<string, unknown>;
  output: Output;
  /** Stream the events as NDJSON on stdout. @default false */
  json?: boolean;
  /** What the run is for: `run --for`, `run --resume`. @default a manual run for the latest fire */
  runFor?: Pick<RunOptions, "trigger" | "logicalDate" | "resume">;
}

export async function runInForeground({ project, job, params, output, json, runFor }: ForegroundRunOptions): Promise<RunResult> {
  // A terminal that reports no size (some pseudo-terminals) cannot hold a redrawn timeline.
  const terminal = process.stdout.isTTY && (process.stdout.rows ?? 0) > 0 && (process.stdout.columns ?? 0) > 0;
  const renderer = json ? jsonRenderer(output) : terminal ? await liveRenderer(output) : plainRenderer(output);

  const interrupt = new AbortController();
  let handle: ReturnType<typeof startRun> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupt.signal.aborted) {
      renderer.notice(`${signal}: stopping the running step (press Ctrl-C again to stop at once)`);
      interrupt.abort(new Error(`interrupted by ${signal}`));
      return;
    }
    killProcessGroupsNow();
    const exit = () => process.exit(RUN_EXIT_CODES.interrupted);
    if (handle) void handle.forceStop().then(exit, exit);
    else exit();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const recorder = recordRunInStore(project);
  try {
    handle = startRun({
      ...runFor,
      project,
      job,
      params,
      interrupt: interrupt.signal,
      onEvent: (event) => {
        renderer.onEvent(event);
        recorder?.record(event);
      },
    });
    const result = await handle.result;
    renderer.finish(result);
    const warning = await recorder?.finish();
    if (warning !== undefined) output.err(`${output.errStyle.yellow("warning:")} ${warning}`);
    return result;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
