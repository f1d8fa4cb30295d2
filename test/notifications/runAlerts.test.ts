/**
 * Alerts of real runs (startRun) against a real HTTP receiver: on_failure once, before the final
 * event; on_long_run once; plugins' ctx.notify; failing channels that never change the run's
 * result; and secrets masked in payloads, events and the run log.
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { Notifier } from "../../src/notifications/notifier.js";
import { loadProject } from "../../src/project/loadProject.js";
import { startRun, type RunOptions } from "../../src/runner/startRun.js";
import type { RunEvent } from "../../src/run-logs/runEvents.js";
import { FINAL_EVENTS } from "../../src/run-logs/runEvents.js";
import { checkProject, requireJob } from "../../src/validate/checkProject.js";
import { receiverForTest } from "../support/httpReceiver.js";
import { makeProject } from "../support/tempProject.js";
import { registryWithAlertProbe } from "./alertProbeStepType.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** nomaflow.yaml with a slack channel `oncall` (the default) and a webhook `hook`, both from the env. */
const CONFIG = `runs_dir: runs
notifications:
  channels:
    oncall: { type: slack, url: "\${env:SLACK_URL}" }
    hook: { type: webhook, url: "\${env:HOOK_URL}" }
  default: [oncall]
`;

async function run(jobYaml: string, env: Record<string, string>, options: Partial<RunOptions> = {}, config = CONFIG) {
  const project = makeProject({ "nomaflow.yaml": config, "jobs/job.yaml": `id: job\n${jobYaml}` });
  cleanups.push(project.remove);
  const loaded = loadProject({ projectDir: project.root, cwd: project.root, processEnv: env, registry: registryWithAlertProbe() });
  const job = requireJob(await checkProject(loaded), "job");
  const events: RunEvent[] = [];
  const handle = startRun({
    project: loaded,
    job,
    params: {},
    onEvent: (event) => events.push(event),
    notifier: Notifier.forProject(loaded, { sleep: async () => {}, timeoutMs: 2000 }),
    graceMs: 200,
    ...options,
  });
  const result = await handle.result;
  const logText = readFileSync(handle.logPath, "utf8");
  return {
    result,
    events,
    logText,
    log: logText
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as RunEvent),
  };
}

const alerts = (events: RunEvent[]) => events.filter((event) => event.event === "alert_sent" || event.event === "alert_failed");

/** The log ends with exactly one final event, and holds exactly the events reported. */
function expectWellFormed(events: RunEvent[], log: RunEvent[]) {
  expect(log).toEqual(events);
  expect(log.filter((event) => FINAL_EVENTS.has(event.event))).toHaveLength(1);
  expect(FINAL_EVENTS.has(log.at(-1)!.event)).toBe(true);
}

describe("on_failure", () => {
  it("alerts once when the run fails, after the failed step's last attempt and before run_failed", async () => {
    const slack = await receiverForTest();
    const { result, events, log } = await run(
      `retry: { attempts: 2, base_seconds: 0 }
steps:
  - { name: a, type: alert_probe }
  - { name: b, type: alert_probe, fail: "boom", retry: { attempts: 1 } }
  - { name: c, type: alert_probe, run_if: always }
`,
      { SLACK_URL: `${slack.url}/slack` },
    );
    expect(result).toMatchObject({ status: "failed", failedStep: "b", error: "step b failed: boom" });
    expect(events.map((event) => event.event).slice(-4)).toEqual(["step_started", "step_succeeded", "alert_sent", "run_failed"]);
    expect(alerts(events)).toEqual([
      expect.objectContaining({ event: "alert_sent", channel: "oncall", channel_type: "slack", kind: "on_failure", attempts: 1 }),
    ]);
    expectWellFormed(events, log);
    expect(slack.requests).toHaveLength(1);
    const text = JSON.parse(slack.requests[0]!.body).text as string;
    expect(text).toMatch(new RegExp(`^❌ job failed at step b: boom — run ${result.runId}, \\d+ ms, .+; \`nomaflow show ${result.runId}\`$`));
  });

  it("reports the same duration in the alert and in run_failed", async () => {
    const hook = await receiverForTest();
    let clock = Date.parse("2026-11-28T01:00:00.000Z");
    const { events } = await run(
      `alerts: { recipients: [hook] }
steps:
  - { name: a, type: alert_probe, fail: "boom" }
`,
      { SLACK_URL: "http://127.0.0.1:9/unused", HOOK_URL: hook.url },
      { now: () => (clock += 1000) },
    );
    const final = events.at(-1) as { duration_ms: number };
    expect(JSON.parse(hook.requests[0]!.body)).toMatchObject({
      kind: "on_failure",
      duration_ms: final.duration_ms,
      status: "failed",
      failed_step: "a",
      error: "boom",
    });
  });

  it("sends nothing when the run succeeds, when on_failure is false, or when the run is interrupted", async () => {
    const slack = await receiverForTest();
    const env = { SLACK_URL: slack.url };
    const succeeded = await run(`steps:\n  - { name: a, type: alert_probe }\n`, env);
    const quiet = await run(`alerts: { on_failure: false }\nsteps:\n  - { name: a, type: alert_probe, fail: boom }\n`, env);
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error("interrupted by SIGINT")), 100);
    const interrupted = await run(`steps:\n  - { name: a, type: alert_probe, wait_ms: 5000 }\n`, env, { interrupt: stop.signal });
    expect([succeeded.result.status, quiet.result.status, interrupted.result.status]).toEqual(["succeeded", "failed", "interrupted"]);
    for (const { events } of [succeeded, quiet, interrupted]) expect(alerts(events)).toEqual([]);
    expect(slack.requests).toHaveLength(0);
  });

  it("goes to the job's recipients instead of notifications.default", async () => {
    const slack = await receiverForTest();
    const hook = await receiverForTest();
    const { events } = await run(`alerts: { recipients: [hook] }\nsteps:\n  - { name: a, type: alert_probe, fail: boom }\n`, {
      SLACK_URL: slack.url,
      HOOK_URL: hook.url,
    });
    expect(alerts(events)).toEqual([expect.objectContaining({ event: "alert_sent", channel: "hook", channel_type: "webhook" })]);
    expect([slack.requests.length, hook.requests.length]).toEqual([0, 1]);
  });

  it("writes nothing when there is no channel at all", async () => {
    const { events, log } = await run(`steps:\n  - { name: a, type: alert_probe, fail: boom }\n`, {}, {}, "runs_dir: runs\n");
    expect(alerts(events)).toEqual([]);
    expectWellFormed(events, log);
  });
});

describe("failing channels", () => {
  it("retries a channel that fails, then records it sent", async () => {
    const slack = await receiverForTest((_, response, index) => {
      response.statusCode = index === 0 ? 500 : 200;
      response.end();
    });
    const { events } = await run(`steps:\n  - { name: a, type: alert_probe, fail: boom }\n`, { SLACK_URL: slack.url });
    expect(alerts(events)).toEqual([expect.objectContaining({ event: "alert_sent", channel: "oncall", attempts: 2 })]);
    expect(slack.requests).toHaveLength(2);
  });

  it("records alert_failed for a channel that keeps failing, and the run's result is what it would have been", async () => {
    const slack = await receiverForTest((_, response) => {
      response.statusCode = 500;
      response.end("down");
    });
    const job = `steps:\n  - { name: a, type: alert_probe, fail: boom }\n`;
    const alerted = await run(job, { SLACK_URL: slack.url });
    const unalerted = await run(job, {}, {}, "runs_dir: runs\n");
    expect(alerts(alerted.events)).toEqual([
      expect.objectContaining({
        event: "alert_failed",
        channel: "oncall",
        channel_type: "slack",
        kind: "on_failure",
        attempts: 3,
        error: `*** answered HTTP 500 Internal Server Error: down`,
      }),
    ]);
    const outcome = ({ status, failedStep, error }: typeof alerted.result) => ({ status, failedStep, error });
    expect(outcome(alerted.result)).toEqual(outcome(unalerted.result));
    expect(alerted.events.at(-1)).toMatchObject({ event: "run_failed", failed_step: "a", error: "step a failed: boom" });
    expectWellFormed(alerted.events, alerted.log);
  });

  it("records an unknown recipient as alert_failed with a clear error", async () => {
    const slack = await receiverForTest();
    const { events, result } = await run(`steps:\n  - { name: a, type: alert_probe, notify: hello, recipients: [pager, oncall] }\n`, { SLACK_URL: slack.url });
    expect(result.status).toBe("succeeded");
    expect(alerts(events)).toEqual([
      expect.objectContaining({
        event: "alert_failed",
        channel: "pager",
        kind: "notify",
        step: "a",
        attempts: 0,
        error: "channel pager is not defined in nomaflow.yaml (notifications.channels has: oncall, hook)",
      }),
      expect.objectContaining({ event: "alert_sent", channel: "oncall", kind: "notify", step: "a" }),
    ]);
    expect(alerts(events)[0]).not.toHaveProperty("channel_type");
  });
});

describe("on_long_run_minutes", () => {
  it("alerts once when the run passes that age, naming the running step", async () => {
    const slack = await receiverForTest();
    const { events, result, log } = await run(
      `alerts: { on_long_run_minutes: 2 }
steps:
  - { name: quick, type: alert_probe }
  - { name: slow, type: alert_probe, wait_ms: 400 }
`,
      { SLACK_URL: slack.url },
      // A minute of 40 ms: the alert is due after 80 ms, and the run lasts five times that.
      { minuteMs: 40 },
    );
    expect(result.status).toBe("succeeded");
    expect(alerts(events)).toEqual([expect.objectContaining({ event: "alert_sent", channel: "oncall", kind: "on_long_run" })]);
    expect(events.map((event) => ("step" in event && event.step ? `${event.event}:${event.step}` : event.event)).slice(-4)).toEqual([
      "step_started:slow",
      "alert_sent",
      "step_succeeded:slow",
      "run_succeeded",
    ]);
    expect(slack.requests).toHaveLength(1);
    expect(JSON.parse(slack.requests[0]!.body).text).toMatch(/^⏳ job has been running for 2 min \(now at step slow\) — run /);
    expectWellFormed(events, log);
  });

  it("is cancelled when the run ends first", async () => {
    const slack = await receiverForTest();
    const { events } = await run(
      `alerts: { on_long_run_minutes: 3 }\nsteps:\n  - { name: a, type: alert_probe }\n`,
      { SLACK_URL: slack.url },
      { minuteMs: 50 },
    );
    await sleep(300);
    expect(alerts(events)).toEqual([]);
    expect(slack.requests).toHaveLength(0);
  });

  it("fires for a run that then fails, and on_failure follows", async () => {
    const slack = await receiverForTest();
    const { events } = await run(
      `alerts: { on_long_run_minutes: 1 }\nsteps:\n  - { name: a, type: alert_probe, wait_ms: 300, fail: boom }\n`,
      { SLACK_URL: slack.url },
      { minuteMs: 50 },
    );
    expect(alerts(events).map((event) => (event as { kind: string }).kind)).toEqual(["on_long_run", "on_failure"]);
    expect(slack.requests).toHaveLength(2);
  });
});

describe("ctx.notify", () => {
  it("sends a plugin's text through the job's channels, with job and run context", async () => {
    const hook = await receiverForTest();
    const { events, result } = await run(`alerts: { recipients: [hook] }\nsteps:\n  - { name: sanity, type: alert_probe, notify: "row count dropped 40%" }\n`, {
      HOOK_URL: `${hook.url}/alerts`,
    });
    expect(alerts(events)).toEqual([
      expect.objectContaining({ event: "alert_sent", channel: "hook", channel_type: "webhook", kind: "notify", step: "sanity", attempts: 1 }),
    ]);
    expect(JSON.parse(hook.requests[0]!.body)).toMatchObject({
      schema: "nomaflow.alert",
      kind: "notify",
      job_id: "job",
      run_id: result.runId,
      status: "running",
      step: "sanity",
      text: "row count dropped 40%",
      summary: expect.stringMatching(/^row count dropped 40% — job, step sanity, run /),
    });
  });

  it("goes to the recipients the plugin names", async () => {
    const slack = await receiverForTest();
    const hook = await receiverForTest();
    await run(`steps:\n  - { name: a, type: alert_probe, notify: hi, recipients: [hook] }\n`, { SLACK_URL: slack.url, HOOK_URL: hook.url });
    expect([slack.requests.length, hook.requests.length]).toEqual([0, 1]);
  });

  it("is in the log before the final event even when the plugin does not await it", async () => {
    const slack = await receiverForTest((_, response) => setTimeout(() => response.end("ok"), 200));
    const { events, log } = await run(`steps:\n  - { name: a, type: alert_probe, notify: hi, no_await: true }\n`, { SLACK_URL: slack.url });
    expect(events.map((event) => event.event).slice(-3)).toEqual(["step_succeeded", "alert_sent", "run_succeeded"]);
    expectWellFormed(events, log);
  });

  it("logs a warning when there is no channel to send to", async () => {
    const { events } = await run(`steps:\n  - { name: a, type: alert_probe, notify: "nobody hears this" }\n`, {}, {}, "runs_dir: runs\n");
    expect(events).toContainEqual(
      expect.objectContaining({
        event: "log",
        step: "a",
        level: "warning",
        message: expect.stringMatching(/^notification not sent: no channel to send it to .*: nobody hears this$/),
      }),
    );
  });
});

describe("masking", () => {
  it("keeps secrets out of every alert, event and the run log", async () => {
    const slack = await receiverForTest((request, response) => {
      response.statusCode = 400;
      response.end(`bad hook ${request.url}`);
    });
    const hook = await receiverForTest();
    const slackUrl = `${slack.url}/services/T0123/B0456/tokentokentoken`;
    const env = { SLACK_URL: slackUrl, HOOK_URL: hook.url, DB_PASSWORD: "hunter2-very-secret" };
    const { events, logText } = await run(
      `alerts: { recipients: [oncall, hook] }
steps:
  - { name: a, type: alert_probe, notify: "using \${env:DB_PASSWORD}", fail: "login failed with \${env:DB_PASSWORD} posting to \${env:SLACK_URL}" }
`,
      env,
    );
    const sent = hook.requests.map((request) => request.body).join("\n") + slack.requests.map((request) => request.body).join("\n");
    expect(hook.requests).toHaveLength(2);
    expect(JSON.parse(hook.requests[1]!.body)).toMatchObject({ kind: "on_failure", error: "login failed with *** posting to ***" });
    expect(alerts(events).filter((event) => event.event === "alert_failed")).toHaveLength(2);
    for (const secret of ["hunter2-very-secret", "tokentokentoken", "/services/T0123"]) {
      expect(sent).not.toContain(secret);
      expect(logText).not.toContain(secret);
      expect(JSON.stringify(events)).not.toContain(secret);
    }
  });
});
