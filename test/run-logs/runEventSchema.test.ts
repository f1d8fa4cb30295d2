/**
 * The run-log event schema (src/run-logs/runEvents.ts) is the public contract of the NDJSON logs: every
 * line a real run writes must match it, and each kind of event a run can write is seen here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { RunEvent } from "../../src/run-logs/runEvents.js";
import { createAjv } from "../../src/validate/ajvInstance.js";
import { startReceiver } from "../support/httpReceiver.js";
import { runJobIn } from "../support/runProject.js";
import { makeProject } from "../support/tempProject.js";

const removes: Array<() => void> = [];
afterEach(() => {
  for (const remove of removes.splice(0)) remove();
});

it("every line of a run log with retries, a failure, a skipped step and alerts matches the RunEvent schema", async () => {
  const receiver = await startReceiver((_request, response) => response.end("ok"));
  const { root, remove } = makeProject({
    "nomaflow.yaml": [
      "notifications:",
      "  channels:",
      `    hook: { type: webhook, url: "${receiver.url}/hook" }`,
      '    unset: { type: webhook, url: "${env:NOMAFLOW_TEST_UNSET_URL}" }',
      "",
    ].join("\n"),
    "jobs/job.yaml": [
      "id: job",
      "alerts: { recipients: [hook, unset] }",
      "steps:",
      '  - { name: hello, type: shell, command: "echo hello; echo oops >&2" }',
      '  - { name: flaky, type: shell, command: "exit 3", retry: { attempts: 2, base_seconds: 0 } }',
      '  - { name: later, type: shell, command: "echo never" }',
      '  - { name: cleanup, type: shell, command: "echo cleanup", run_if: failure }',
      "",
    ].join("\n"),
  });
  removes.push(remove);
  const run = await runJobIn(root, "job");
  expect(run.result.status).toBe("failed");

  const folder = join(root, "runs", "job");
  const [file] = readdirSync(folder).filter((name) => name.endsWith(".ndjson"));
  const lines = readFileSync(join(folder, file!), "utf8").trim().split("\n");
  const validate = createAjv().compile(RunEvent);
  for (const line of lines) expect(validate(JSON.parse(line)), `${line}\n${JSON.stringify(validate.errors)}`).toBe(true);

  const kinds = new Set(lines.map((line) => (JSON.parse(line) as { event: string }).event));
  expect([...kinds].sort()).toEqual(
    [
      "alert_failed",
      "alert_sent",
      "log",
      "run_failed",
      "run_started",
      "step_attempt_failed",
      "step_failed",
      "step_skipped",
      "step_started",
      "step_succeeded",
    ].sort(),
  );
});

it("refuses an event that breaks the contract: an unknown event name, a missing run_id, a level that is none", () => {
  const validate = createAjv().compile(RunEvent);
  const stamp = { ts: "2026-12-06T05:00:00.000Z", run_id: "r", job_id: "j" };
  expect(validate({ ...stamp, event: "log", step: null, level: "info", message: "m" })).toBe(true);
  expect(validate({ ...stamp, event: "log", step: null, level: "verbose", message: "m" })).toBe(false);
  expect(validate({ ...stamp, event: "step_rebooted", step: "s" })).toBe(false);
  expect(validate({ ts: stamp.ts, job_id: "j", event: "step_skipped", step: "s", reason: "r" })).toBe(false);
});
