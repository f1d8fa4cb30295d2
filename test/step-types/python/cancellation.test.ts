/** Timeout and interrupt: the interpreter's whole process group is killed and the step rejects at once. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runPythonStep } from "../../../src/step-types/python/runPythonStep.js";
import { StepTimeoutError } from "../../../src/runner/runStep.js";
import type { LogLevel } from "../../../src/step-types/stepType.js";
import { eventually, isRunning } from "../../support/processState.js";
import { describeWithPython, pluginProject, PYTHON, stepFailure, type PluginProject } from "./pythonSupport.js";

const HANGS = `
import os, subprocess, time

def hang(ctx):
    child = subprocess.Popen(["sleep", "20"])
    with open("pids-sync.txt", "w") as out:
        out.write(f"{os.getpid()} {child.pid}")
    ctx.log.info("started")
    time.sleep(20)

async def hang_async(ctx):
    import asyncio
    child = subprocess.Popen(["sleep", "20"])
    with open("pids-async.txt", "w") as out:
        out.write(f"{os.getpid()} {child.pid}")
    ctx.log.info("started")
    await asyncio.sleep(20)

def ignores_sigterm(ctx):
    import signal
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with open("pids-stubborn.txt", "w") as out:
        out.write(f"{os.getpid()} {os.getpid()}")
    ctx.log.info("started")
    for _ in range(400):
        time.sleep(0.05)
`;

describeWithPython("python step: timeout and interrupt", () => {
  let project: PluginProject;
  beforeAll(() => {
    project = pluginProject({ "plugins/hangs.py": HANGS });
  });
  afterAll(() => project?.remove());

  /** Runs `callable`, aborts the signal once it logged "started", and returns how long the step took to reject after that. */
  async function abortWhenStarted(callable: string, reason: Error): Promise<{ error: Awaited<ReturnType<typeof stepFailure>>; afterAbortMs: number }> {
    const controller = new AbortController();
    let abortedAt = 0;
    const { context } = project.context();
    const watching = {
      ...context,
      log: (level: LogLevel, message: string) => {
        context.log(level, message);
        if (message === "started") {
          abortedAt = performance.now();
          controller.abort(reason);
        }
      },
    };
    const error = await stepFailure(runPythonStep({ callable }, watching, controller.signal, PYTHON));
    return { error, afterAbortMs: performance.now() - abortedAt };
  }

  for (const [callable, file] of [
    ["hangs:hang", "pids-sync.txt"],
    ["hangs:hang_async", "pids-async.txt"],
  ] as const) {
    it(`kills the interpreter and a child it started when the step times out (${callable})`, async () => {
      const timeout = new StepTimeoutError(1000);
      const { error, afterAbortMs } = await abortWhenStarted(callable, timeout);
      expect(error.message).toBe(`python function cancelled: ${timeout.message}`);
      expect(afterAbortMs).toBeLessThan(1000);
      const [python, child] = readFileSync(join(project.root, file), "utf8").split(" ").map(Number) as [number, number];
      expect(await eventually(() => !isRunning(python) && !isRunning(child))).toBe(true);
    });
  }

  it("kills with SIGKILL a function that ignores SIGTERM", async () => {
    const { error, afterAbortMs } = await abortWhenStarted("hangs:ignores_sigterm", new Error("interrupted"));
    expect(error.message).toBe("python function cancelled: interrupted");
    // SIGTERM is ignored, so the group gets SIGKILL after the grace period (2 s).
    expect(afterAbortMs).toBeLessThan(4000);
    const [python] = readFileSync(join(project.root, "pids-stubborn.txt"), "utf8").split(" ").map(Number) as [number];
    expect(await eventually(() => !isRunning(python))).toBe(true);
  });

  it("does not start the interpreter when the signal has already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("interrupted"));
    const error = await stepFailure(runPythonStep({ callable: "hangs:hang" }, project.context().context, controller.signal, PYTHON));
    expect(error.message).toBe("python function cancelled: interrupted");
  });
});
