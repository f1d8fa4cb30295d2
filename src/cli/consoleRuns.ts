/**
 * Runs started from `nomaflow console` (Run now): in this process, as `nomaflow run` runs them
 * (the job checked from its file, its log in runs/, recorded in the state store with `state:`),
 * with trigger manual. Stopping the console interrupts them and waits for their ends.
 */
import type { ConsoleRunStarter } from "../console/consoleApp.js";
import { loadProject } from "../project/loadProject.js";
import { startRun, type RunHandle } from "../runner/startRun.js";
import { checkJob } from "../validate/checkProject.js";
import { recordRunInStore } from "./clusterHistory.js";
import type { Output } from "./output.js";

export interface ConsoleRuns {
  start: ConsoleRunStarter;
  /** Runs going now. */
  readonly going: number;
  /** Interrupts every run going (each writes run_interrupted) and resolves when all have ended, or after `waitMs`. */
  stop(waitMs: number): Promise<void>;
  /** Ends every run at once (a second signal). */
  forceStop(): Promise<void>;
}

export function consoleRuns(projectDir: string | undefined, output: Output): ConsoleRuns {
  const interrupt = new AbortController();
  const handles = new Map<string, { handle: RunHandle; ended: Promise<void> }>();
  return {
    start: async (jobId, params) => {
      const project = loadProject({ projectDir });
      const job = await checkJob(project, jobId);
      const recorder = recordRunInStore(project);
      const handle = startRun({ project, job, params, trigger: "manual", interrupt: interrupt.signal, onEvent: (event) => recorder?.record(event) });
      const ended = handle.result
        .then(async () => {
          const warning = await recorder?.finish();
          if (warning !== undefined) output.err(`${output.errStyle.yellow("warning:")} ${warning}`);
        })
        .catch((error: unknown) => output.err(`nomaflow console: run ${handle.runId} of ${jobId}: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => handles.delete(handle.runId));
      handles.set(handle.runId, { handle, ended });
      return { runId: handle.runId };
    },
    get going() {
      return handles.size;
    },
    stop: async (waitMs) => {
      interrupt.abort(new Error("the console is stopping"));
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
      await Promise.race([Promise.all([...handles.values()].map((entry) => entry.ended)), waited]);
      clearTimeout(timer);
    },
    forceStop: async () => {
      await Promise.all([...handles.values()].map((entry) => entry.handle.forceStop().catch(() => undefined)));
    },
  };
}
