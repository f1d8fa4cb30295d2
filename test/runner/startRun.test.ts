/** The runner's rules, with a probe step type: order, run_if, retries, timeouts, interrupts, outputs, masking. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadProject } from "../../src/project/loadProject.js";
import { startRun, type RunOptions } from "../../src/runner/startRun.js";
import type { RunEvent } from "../../src/run-logs/runEvents.js";
import { checkProject, requireJob } from "../../src/validate/checkProject.js";
import { makeProject } from "../support/tempProject.js";
import { registryWithProbe } from "./probeStepType.js";

const projects: Array<{ remove: () => void }> = [];
afterEach(() => {
  while (projects.length) projects.pop()!.remove();
});

async function run(jobYaml: string, options: Partial<RunOptions> = {}, env: Record<string, string> = {}) {
  const project = makeProject({ "nomaflow.yaml": "runs_dir: runs\n", "jobs/job.yaml": `id: job\n${jobYaml}` });
  projects.push(project);
  const loaded = loadProject({ projectDir: project.root, cwd: project.root, processEnv: env, registry: registryWithProbe() });
  const checked = await checkProject(loaded);
  const job = requireJob(checked, "job");
  const events: RunEvent[] = [];
  const waits: number[] = [];
  const handle = startRun({
    project: loaded,
    job,
    params: {},
    onEvent: (event) => events.push(event),
    sleep: async (ms) => void waits.push(ms),
    graceMs: 200,
    ...options,
  });
  const result = await handle.result;
  const logText = readFileSync(handle.logPath, "utf8");
  return { result, events, waits, logText, root: project.root, handle };
}

const kinds = (events: RunEvent[]) => events.map((event) => ("step" in event && event.step ? `${event.event}:${event.step}` : event.event));

describe("startRun", () => {
  it("runs steps in order and writes the same events it reports", async () => {
    const { result, events, logText } = await run(`steps:
  - { name: a, type: probe, behaviour: succeed, echo: { rows: 42 } }
  - { name: b, type: probe, behaviour: succeed, echo: "\${steps.a.output.echo.rows}" }
`);
    expect(result.status).toBe("succeeded");
    expect(kinds(events)).toEqual([
      "run_started",
      "step_started:a",
      "step_progress:a",
      "step_succeeded:a",
      "step_started:b",
      "step_progress:b",
      "step_succeeded:b",
      "run_succeeded",
    ]);
    const lines = logText
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toEqual(events);
    expect(Object.keys(lines[0])).toEqual(
      expect.arrayContaining(["ts", "event", "run_id", "job_id", "trigger", "scheduled_for", "params", "host", "pid", "version"]),
    );
    expect(lines[0]).toMatchObject({ steps: ["a", "b"], step_types: ["probe", "probe"] });
    expect(events.find((event) => event.event === "step_succeeded" && event.step === "b")).toMatchObject({ output: { echo: 42, attempt: 1 } });
  });

  it("follows run_if: success steps stop after a failure, failure steps run then, always steps always", async () => {
    const { result, events } = await run(`steps:
  - { name: a, type: probe, behaviour: succeed }
  - { name: b, type: probe, behaviour: fail, retryable: false, message: boom }
  - { name: c, type: probe, behaviour: succeed }
  - { name: d, type: probe, behaviour: succeed, run_if: failure }
  - { name: e, type: probe, behaviour: succeed, run_if: always }
`);
    expect(result).toMatchObject({ status: "failed", failedStep: "b", error: "step b failed: boom" });
    expect(kinds(events).filter((kind) => /^(step_succeeded|step_failed|step_skipped)/.test(kind))).toEqual([
      "step_succeeded:a",
      "step_failed:b",
      "step_skipped:c",
      "step_succeeded:d",
      "step_succeeded:e",
    ]);
    expect(events.at(-1)).toMatchObject({ event: "run_failed", failed_step: "b", error: "step b failed: boom" });
  });

  it("skips failure steps when nothing failed", async () => {
    const { result, events } = await run(`steps:
  - { name: a, type: probe, behaviour: succeed }
  - { name: cleanup, type: probe, behaviour: succeed, run_if: failure }
`);
    expect(result.status).toBe("succeeded");
    expect(events.find((event) => event.event === "step_skipped")).toMatchObject({ step: "cleanup", reason: "no earlier step failed" });
  });

  it("retries with fixed and exponential backoff, logging every try and wait", async () => {
    const fixed = await run(`retry: { attempts: 3, backoff: fixed, base_seconds: 2 }
steps:
  - { name: a, type: probe, behaviour: fail, fail_times: 2 }
`);
    expect(fixed.result.status).toBe("succeeded");
    expect(fixed.waits).toEqual([2000, 2000]);
    expect(fixed.events.filter((event) => event.event === "step_attempt_failed")).toEqual([
      expect.objectContaining({ attempt: 1, error: "failure 1", retry_in_seconds: 2 }),
      expect.objectContaining({ attempt: 2, error: "failure 2", retry_in_seconds: 2 }),
    ]);
    expect(fixed.events.find((event) => event.event === "step_succeeded")).toMatchObject({ attempt: 3 });

    const exponential = await run(`retry: { attempts: 5, backoff: exponential, base_seconds: 1, max_seconds: 5 }
steps:
  - { name: a, type: probe, behaviour: fail }
`);
    expect(exponential.waits).toEqual([1000, 2000, 4000, 5000]);
    expect(exponential.events.filter((event) => event.event === "step_attempt_failed").at(-1)).toMatchObject({ attempt: 5, retry_in_seconds: null });
    expect(exponential.events.at(-2)).toMatchObject({ event: "step_failed", step: "a", attempt: 5, error: "failure 5" });
  });

  it("lets a step override the job's policy and varies waits by the jitter", async () => {
    const { waits } = await run(
      `retry: { attempts: 2, base_seconds: 100 }
steps:
  - { name: a, type: probe, behaviour: fail, retry: { attempts: 3, base_seconds: 10, jitter: 0.5 } }
`,
      { random: () => 0 },
    );
    expect(waits).toEqual([5000, 5000]);
  });

  it("waits at least as long as the other side asked (Retry-After), within max_seconds", async () => {
    const asked = await run(`retry: { attempts: 2, base_seconds: 1 }
steps:
  - { name: a, type: probe, behaviour: fail, retry_after: 30 }
`);
    expect(asked.waits).toEqual([30_000]);
    const capped = await run(`retry: { attempts: 2, base_seconds: 1, max_seconds: 10 }
steps:
  - { name: a, type: probe, behaviour: fail, retry_after: 30 }
`);
    expect(capped.waits).toEqual([10_000]);
  });

  it("fails at once on an error marked not retryable", async () => {
    const { events, waits } = await run(`retry: { attempts: 3, base_seconds: 1 }
steps:
  - { name: a, type: probe, behaviour: fail, retryable: false }
`);
    expect(waits).toEqual([]);
    expect(events.filter((event) => event.event === "step_started")).toHaveLength(1);
  });

  it("aborts a step at its timeout and retries it", async () => {
    const { result, events } = await run(`retry: { attempts: 2, base_seconds: 0 }
steps:
  - { name: slow, type: probe, behaviour: hang, timeout: 50ms }
`);
    expect(result.status).toBe("failed");
    const failures = events.filter((event) => event.event === "step_attempt_failed");
    expect(failures.map((event) => event.error)).toEqual(["timed out after 50 ms", "timed out after 50 ms"]);
  });

  it("gives up on a step that ignores its signal after the grace period, and goes on", async () => {
    const { result, events } = await run(`steps:
  - { name: stuck, type: probe, behaviour: ignore-abort, timeout: 50ms }
  - { name: after, type: probe, behaviour: succeed, run_if: always }
`);
    expect(result).toMatchObject({ status: "failed", failedStep: "stuck" });
    expect(events.find((event) => event.event === "step_failed")).toMatchObject({
      step: "stuck",
      error: "timed out after 50 ms, and the step did not stop within 200 ms: given up on, not tried again",
    });
    expect(events.find((event) => event.event === "step_succeeded")).toMatchObject({ step: "after" });
  });

  it("stops at an interrupt: the running step is cancelled, later steps do not run, run_interrupted is written", async () => {
    const interrupt = new AbortController();
    const pending = run(
      `retry: { attempts: 3 }
steps:
  - { name: long, type: probe, behaviour: hang }
  - { name: next, type: probe, behaviour: succeed, run_if: always }
`,
      { interrupt: interrupt.signal, onEvent: (event) => event.event === "step_started" && setTimeout(() => interrupt.abort(), 20) },
    );
    const { result, logText } = await pending;
    expect(result.status).toBe("interrupted");
    const events = logText
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as RunEvent);
    expect(kinds(events)).toEqual([
      "run_started",
      "step_started:long",
      "step_progress:long",
      "step_attempt_failed:long",
      "step_failed:long",
      "run_interrupted",
    ]);
    expect(events[3]).toMatchObject({ error: "interrupted", retry_in_seconds: null });
  });

  it("writes run_interrupted on a forced stop, once", async () => {
    const project = makeProject({ "nomaflow.yaml": "{}\n", "jobs/job.yaml": "id: job\nsteps:\n  - { name: stuck, type: probe, behaviour: ignore-abort }\n" });
    projects.push(project);
    const loaded = loadProject({ projectDir: project.root, cwd: project.root, processEnv: {}, registry: registryWithProbe() });
    const job = requireJob(await checkProject(loaded), "job");
    const handle = startRun({ project: loaded, job, params: {} });
    await new Promise((resolve) => setTimeout(resolve, 20));
    void handle.forceStop();
    const result = await handle.forceStop();
    expect(await handle.result).toEqual(result);
    const events = readFileSync(handle.logPath, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as RunEvent);
    expect(events.filter((event) => event.event === "run_interrupted")).toHaveLength(1);
    // The step ignores its signal: not waited for beyond a second, and the log says so.
    expect(events.at(-1)).toMatchObject({ event: "run_interrupted", error: "stopped at once by a second interrupt; step stuck had not stopped" });
  });

  it("on a forced stop, writes the step's end then the run's, once the step has stopped", async () => {
    const project = makeProject({ "nomaflow.yaml": "{}\n", "jobs/job.yaml": "id: job\nsteps:\n  - { name: long, type: probe, behaviour: hang }\n" });
    projects.push(project);
    const loaded = loadProject({ projectDir: project.root, cwd: project.root, processEnv: {}, registry: registryWithProbe() });
    const job = requireJob(await checkProject(loaded), "job");
    const handle = startRun({ project: loaded, job, params: {} });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await handle.forceStop();
    const events = readFileSync(handle.logPath, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as RunEvent);
    expect(kinds(events).slice(-3)).toEqual(["step_attempt_failed:long", "step_failed:long", "run_interrupted"]);
    expect(events.at(-1)).toMatchObject({ failed_step: "long", error: "stopped at once by a second interrupt" });
  });

  it("says why an output is missing", async () => {
    const { events } = await run(`steps:
  - { name: a, type: probe, behaviour: fail, retryable: false }
  - { name: b, type: probe, behaviour: succeed, echo: "\${steps.a.output.rows}", run_if: always }
  - { name: c, type: probe, behaviour: succeed, echo: "\${steps.b.output.nope}", run_if: always }
`);
    const errors = events.filter((event) => event.event === "step_failed").map((event) => event.error);
    expect(errors).toEqual([
      "failure 1",
      "${steps.a.output.rows}: step a has no output (it failed)",
      "${steps.b.output.nope}: step b has no output (it failed)",
    ]);
  });

  it("masks every value that came from the environment, in the log file and in reported events", async () => {
    const secret = "tok-3b9f-SECRET";
    const { events, logText, root } = await run(
      `steps:
  - name: leak
    type: probe
    behaviour: fail
    retryable: false
    echo: "https://api.example/\${env:API_TOKEN}"
    log: "calling with \${env:API_TOKEN}"
    message: "bad token \${env:API_TOKEN}"
`,
      {},
      { API_TOKEN: secret },
    );
    expect(logText).not.toContain(secret);
    expect(logText).toContain("calling with ***");
    expect(logText).toContain("bad token ***");
    expect(JSON.stringify(events)).not.toContain(secret);
    for (const job of readdirSync(join(root, "runs"))) {
      for (const file of readdirSync(join(root, "runs", job))) expect(readFileSync(join(root, "runs", job, file), "utf8")).not.toContain(secret);
    }
  });
});
