/**
 * A node function that does not stop is stopped: `nomaflow run` as a real process, with functions
 * that loop without yielding, wait on a long timer while ignoring their signal, or leave a timer
 * behind. The run ends at the timeout and grace (5 s for `nomaflow run`), and the process with it.
 */
import { afterAll, describe, expect, it } from "vitest";
import { makeProject, runCli } from "../../support/tempProject.js";

const removes: Array<() => void> = [];
afterAll(() => {
  for (const remove of removes) remove();
});

const plugin = `
export function spin() { while (true) {} }
export async function ignoreSignal() { await new Promise((resolve) => setTimeout(resolve, 60_000)); return { late: true }; }
export function leaveTimer() { setTimeout(() => console.log("still here"), 60_000); return { done: true }; }
`;

const job = (id: string, callable: string, timeout: string) =>
  `id: ${id}\nsteps:\n  - name: work\n    type: node\n    callable: ${callable}\n${timeout ? `    timeout: ${timeout}\n` : ""}`;

const root = (() => {
  const made = makeProject({
    "nomaflow.yaml": "runs_dir: runs\n",
    "plugins/stuck.mjs": plugin,
    "jobs/spin.yaml": job("spin", "stuck.mjs:spin", "1s"),
    "jobs/ignore-signal.yaml": job("ignore-signal", "stuck.mjs:ignoreSignal", "1s"),
    "jobs/leave-timer.yaml": job("leave-timer", "stuck.mjs:leaveTimer", ""),
  });
  removes.push(made.remove);
  return made.root;
})();

/** Runs the job, killed after 25 s: a run that outlives its timeout and grace by far fails the test by its time. */
async function run(jobId: string): Promise<{ code: number; seconds: number; events: Record<string, unknown>[] }> {
  const started = Date.now();
  const result = await runCli(["run", jobId, "--json"], { cwd: root, killAfterMs: 25_000 });
  const events = result.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code: result.code, seconds: (Date.now() - started) / 1000, events };
}

describe.concurrent("node functions that do not stop", { timeout: 40_000 }, () => {
  it("a function looping without yielding past its timeout fails as timed out, and run exits at the grace's end", async () => {
    const { code, seconds, events } = await run("spin");
    expect(events.find((event) => event.event === "step_failed")).toMatchObject({
      step: "work",
      error: expect.stringMatching(/^timed out after 1\.0 s, and the step did not stop within 5\.0 s: given up on, not tried again$/),
    });
    expect(events.at(-1)).toMatchObject({ event: "run_failed" });
    expect(code).toBe(1);
    // 1 s timeout + 5 s grace, and start-up; not the 25 s kill.
    expect(seconds).toBeLessThan(16);
  });

  it("a function ignoring its signal is given up on and run exits then, not when its timer ends", async () => {
    const { code, seconds, events } = await run("ignore-signal");
    expect(events.find((event) => event.event === "step_failed")).toMatchObject({
      error: expect.stringMatching(/^timed out after 1\.0 s, and the step did not stop within 5\.0 s: given up on, not tried again$/),
    });
    expect(code).toBe(1);
    expect(seconds).toBeLessThan(16);
  });

  it("a function that returns but leaves a timer behind: run exits when the run ends", async () => {
    const { code, seconds, events } = await run("leave-timer");
    expect(events.at(-1)).toMatchObject({ event: "run_succeeded" });
    expect(events.find((event) => event.event === "step_succeeded")).toMatchObject({ output: { done: true } });
    expect(code).toBe(0);
    expect(seconds).toBeLessThan(16);
  });
});
