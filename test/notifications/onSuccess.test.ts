/**
 * `alerts.on_success` end to end (`nomaflow run`, the built binary) against real HTTP receivers: a
 * success message to the job's recipients, to `on_success.recipients` of its own, from `defaults:`,
 * none for a failed run, and `validate` refusing a recipient that is not a channel.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/run-logs/runEvents.js";
import { receiverForTest } from "../support/httpReceiver.js";
import { makeProject, runCli } from "../support/tempProject.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Two channels: slack `oncall` (the default) and webhook `team`, their URLs in .env. */
function project(urls: { slack: string; hook: string }, job: string, defaults = ""): string {
  const made = makeProject({
    "nomaflow.yaml": `runs_dir: runs
${defaults}notifications:
  channels:
    oncall: { type: slack, url: "\${env:SLACK_URL}" }
    team: { type: webhook, url: "\${env:HOOK_URL}" }
  default: [oncall]
`,
    ".env": `SLACK_URL=${urls.slack}\nHOOK_URL=${urls.hook}\n`,
    "jobs/job.yaml": `id: job\n${job}`,
  });
  cleanups.push(made.remove);
  return made.root;
}

function runLog(root: string): RunEvent[] {
  const folder = join(root, "runs", "job");
  const [file] = readdirSync(folder);
  return readFileSync(join(folder, file!), "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as RunEvent);
}

const STEPS = `steps:
  - { name: load, type: shell, command: "echo loaded" }
`;

describe("alerts.on_success", () => {
  it("sends one success message to the job's recipients, with no http step, logged before run_succeeded", async () => {
    const slack = await receiverForTest();
    const hook = await receiverForTest();
    const root = project({ slack: `${slack.url}/slack`, hook: `${hook.url}/hook` }, `alerts: { on_success: true }\n${STEPS}`);
    const result = await runCli(["run", "job"], { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    expect(hook.requests).toHaveLength(0);
    expect(slack.requests).toHaveLength(1);
    const { text } = JSON.parse(slack.requests[0]!.body) as { text: string };
    const log = runLog(root);
    const runId = log[0]!.run_id;
    expect(text).toMatch(new RegExp(`^✅ job succeeded — run ${runId}, .+; \`nomaflow show ${runId}\`$`));
    expect(log.map((event) => event.event).slice(-3)).toEqual(["step_succeeded", "alert_sent", "run_succeeded"]);
    expect(log.at(-2)).toMatchObject({ event: "alert_sent", channel: "oncall", channel_type: "slack", kind: "on_success", attempts: 1 });
    expect(result.stdout).toContain("✉ success message sent to oncall (slack)");
  });

  it("sends it to on_success.recipients when given, and the failure alert still to the job's recipients", async () => {
    const slack = await receiverForTest();
    const hook = await receiverForTest();
    const job = `alerts: { on_success: { recipients: [team] } }
params:
  fail: { type: boolean, default: false }
steps:
  - { name: load, type: shell, command: "test \${params.fail} = false" }
`;
    const root = project({ slack: `${slack.url}/slack`, hook: `${hook.url}/hook` }, job);
    expect((await runCli(["run", "job"], { cwd: root })).code).toBe(0);
    expect(slack.requests).toHaveLength(0);
    expect(hook.requests).toHaveLength(1);
    const payload = JSON.parse(hook.requests[0]!.body) as Record<string, unknown>;
    expect(payload).toMatchObject({ schema: "nomaflow.alert", kind: "on_success", job_id: "job", status: "succeeded", failed_step: null, error: null });
    expect(payload.summary).toMatch(/^✅ job succeeded — run /);
    expect(typeof payload.ended_at).toBe("string");

    // A failed run sends no success message; its failure alert goes where failures go.
    expect((await runCli(["run", "job", "-p", "fail=true"], { cwd: root })).code).toBe(1);
    expect(hook.requests).toHaveLength(1);
    expect(slack.requests).toHaveLength(1);
    expect(JSON.parse(slack.requests[0]!.body)).toMatchObject({ text: expect.stringMatching(/^❌ job failed at step load/) });
  });

  it("comes from defaults.alerts, as on_failure does, and a job turns it off", async () => {
    const slack = await receiverForTest();
    const hook = await receiverForTest();
    const defaults = "defaults:\n  alerts: { on_failure: true, on_success: true, recipients: [team] }\n";
    const root = project({ slack: `${slack.url}/slack`, hook: `${hook.url}/hook` }, STEPS, defaults);
    expect((await runCli(["run", "job"], { cwd: root })).code).toBe(0);
    expect(hook.requests.map((request) => (JSON.parse(request.body) as { kind: string }).kind)).toEqual(["on_success"]);

    const quiet = project({ slack: `${slack.url}/slack`, hook: `${hook.url}/hook` }, `alerts: { on_success: false }\n${STEPS}`, defaults);
    expect((await runCli(["run", "job"], { cwd: quiet })).code).toBe(0);
    expect(hook.requests).toHaveLength(1);
    expect(slack.requests).toHaveLength(0);
  });

  it("is checked by validate: a recipient that is not a channel, and a value that is neither true/false nor { recipients }", async () => {
    const root = project({ slack: "http://127.0.0.1:9/slack", hook: "http://127.0.0.1:9/hook" }, `alerts:\n  on_success: { recipients: [tema] }\n${STEPS}`);
    const text = await runCli(["validate"], { cwd: root });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("jobs/job.yaml:3:30: error: alert recipient tema is not a channel of nomaflow.yaml [job job]\n  hint: did you mean `team`?");

    const defaults = project(
      { slack: "http://127.0.0.1:9/slack", hook: "http://127.0.0.1:9/hook" },
      STEPS,
      "defaults:\n  alerts: { on_success: { recipients: [teem] } }\n",
    );
    const fromDefaults = await runCli(["validate"], { cwd: defaults });
    expect(fromDefaults.code).toBe(1);
    expect(fromDefaults.stdout).toContain("nomaflow.yaml:3:40: error: alert recipient teem is not a channel of nomaflow.yaml\n  hint: did you mean `team`?");

    const wrong = project({ slack: "http://127.0.0.1:9/slack", hook: "http://127.0.0.1:9/hook" }, `alerts: { on_success: yes }\n${STEPS}`);
    const result = await runCli(["validate", "--format", "json"], { cwd: wrong });
    const report = JSON.parse(result.stdout) as { diagnostics: Array<{ line: number; column: number; message: string }> };
    expect(report.diagnostics).toEqual([
      expect.objectContaining({ line: 2, column: 23, message: expect.stringContaining("true, false or { recipients: [channel, …] }") }),
    ]);
  });
});
