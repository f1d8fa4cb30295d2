/**
 * `nomaflow show` of a step that succeeded on its third try, through the real binary: the step's
 * whole time (waits included) and each try's, and its whole output, wrapped, never cut.
 */
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import type { UnstampedRunEvent } from "../../src/run-logs/runEvents.js";
import { newRunId } from "../../src/identity/runId.js";
import { RunLogWriter } from "../../src/run-logs/runLogWriter.js";
import { makeProject, runCli } from "../support/tempProject.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const BODY = Array.from({ length: 40 }, (_, index) => `word${index}`).join(" ");
const OUTPUT = { status: 200, body: BODY, url: `https://example.test/${"x".repeat(150)}` };

/** A log written through the real writer, each event at `at` ms after the start. */
function writeRun(root: string, events: Array<[number, UnstampedRunEvent]>): string {
  const start = new Date("2026-11-28T01:00:00.000Z");
  const runId = newRunId(start);
  const writer = RunLogWriter.open(join(root, "runs"), "job", runId, (text) => text);
  for (const [at, event] of events) writer.write(event, new Date(start.getTime() + at));
  writer.close();
  return runId;
}

it("shows every try's time, the step's whole time and its whole output", async () => {
  const made = makeProject({
    "nomaflow.yaml": "runs_dir: runs\n",
    "jobs/job.yaml": "id: job\nsteps:\n  - { name: fetch, type: http, url: https://example.test }\n",
  });
  cleanups.push(made.remove);
  const runId = writeRun(made.root, [
    [0, { event: "run_started", trigger: "manual", scheduled_for: null, params: {}, host: "vm", pid: 1, version: "0.1.0", steps: ["fetch"] }],
    [0, { event: "step_started", step: "fetch", type: "http", attempt: 1, attempts: 3 }],
    [1000, { event: "step_attempt_failed", step: "fetch", attempt: 1, error: "503", retry_in_seconds: 0.05, duration_ms: 1000 }],
    [1050, { event: "step_started", step: "fetch", type: "http", attempt: 2, attempts: 3 }],
    [2150, { event: "step_attempt_failed", step: "fetch", attempt: 2, error: "503", retry_in_seconds: 0.9, duration_ms: 1100 }],
    [3095, { event: "step_started", step: "fetch", type: "http", attempt: 3, attempts: 3 }],
    [3100, { event: "step_succeeded", step: "fetch", attempt: 3, duration_ms: 5, output: OUTPUT }],
    [3101, { event: "run_succeeded", duration_ms: 3101 }],
  ]);

  const shown = await runCli(["show", runId], { cwd: made.root });
  expect(shown.code, shown.stderr).toBe(0);
  const lines = shown.stdout.trimEnd().split("\n");
  const step = lines.findIndex((line) => line.startsWith("  ✓ fetch"));
  expect(lines[step]).toBe("  ✓ fetch  http  3.1 s  3 attempts: 1.0 s, 1.1 s, 5 ms");

  // The output follows, wrapped within 100 columns; joined again it is the whole output.
  const outputLines = lines.slice(step + 1);
  expect(outputLines[0]).toMatch(/^ {6}output: \{/);
  expect(outputLines.length).toBeGreaterThan(2);
  for (const line of outputLines) expect(line.length).toBeLessThanOrEqual(100);
  expect(outputLines.map((line, index) => (index === 0 ? line.replace(/^ {6}output: /, "") : line.replace(/^ {14}/, ""))).join("")).toBe(
    JSON.stringify(OUTPUT),
  );
  expect(shown.stdout).not.toContain("…");

  const summary = JSON.parse((await runCli(["show", runId, "--json"], { cwd: made.root })).stdout);
  expect(summary.steps[0]).toMatchObject({ attempts: 3, duration_ms: 3100, attempt_durations_ms: [1000, 1100, 5] });

  // show --follow, line by line: the last try's time and the whole.
  const followed = await runCli(["show", runId, "--follow"], { cwd: made.root });
  expect(followed.stdout).toMatch(/✓ fetch succeeded on attempt 3 in 5 ms \(3\.1 s in all\)/);
});
