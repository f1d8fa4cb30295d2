import { loadProject } from "../../project/loadProject.js";
import { parseParams } from "../../runner/parseParams.js";
import { startRun } from "../../runner/runJob.js";
import { checkProject, requireJob } from "../../validate/checkProject.js";
import { createOutput } from "../output.js";
import { jsonRenderer, liveRenderer, plainRenderer } from "../render/runRenderers.js";

export interface RunCommandOptions {
  project?: string;
  param: string[];
  json?: boolean;
}

const EXIT_CODES = { succeeded: 0, failed: 1, interrupted: 130 } as const;

export async function runCommand(jobId: string, options: RunCommandOptions): Promise<number> {
  const output = createOutput();
  const project = loadProject({ projectDir: options.project });
  const job = requireJob(await checkProject(project), jobId);
  const params = parseParams(job, options.param);
  // A terminal that reports no size (some pseudo-terminals) cannot hold a redrawn timeline.
  const terminal = process.stdout.isTTY && (process.stdout.rows ?? 0) > 0 && (process.stdout.columns ?? 0) > 0;
  const renderer = options.json ? jsonRenderer(output) : terminal ? liveRenderer(output) : plainRenderer(output);

  // First Ctrl-C (or SIGTERM): cancel the running step and write run_interrupted. Second: stop now.
  const interrupt = new AbortController();
  let handle: ReturnType<typeof startRun> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupt.signal.aborted) {
      renderer.notice(`${signal}: stopping the running step (press Ctrl-C again to stop at once)`);
      interrupt.abort(new Error(`interrupted by ${signal}`));
      return;
    }
    handle?.forceStop();
    process.exit(EXIT_CODES.interrupted);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    handle = startRun({ project, job, params, interrupt: interrupt.signal, onEvent: (event) => renderer.onEvent(event) });
    const result = await handle.result;
    renderer.finish(result);
    return EXIT_CODES[result.status];
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
