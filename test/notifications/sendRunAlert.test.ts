/** The daemon's entry point: an alert about a run from outside the runner (an abandoned run). */
import { afterEach, describe, expect, it } from "vitest";
import { abandonedRunRequest, sendRunAlert } from "../../src/notifications/index.js";
import { loadProject } from "../../src/project/loadProject.js";
import { readRunLog, summarizeRun } from "../../src/run-logs/readRunLog.js";
import { checkProject, requireJob } from "../../src/validate/checkProject.js";
import { receiverForTest } from "../support/httpReceiver.js";
import { makeProject } from "../support/tempProject.js";
import { writeSampleRun } from "../run-logs/sampleRun.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function project(env: Record<string, string>, job = 'steps:\n  - { name: a, type: shell, command: "true" }\n', defaults = "[oncall]") {
  const made = makeProject({
    "nomaflow.yaml": `runs_dir: runs
connectors:
  ops-db: { url: "\${env:OPS_DB_URL}" }
notifications:
  channels:
    oncall: { type: slack, url: "\${env:SLACK_URL}" }
    hook: { type: webhook, url: "\${env:HOOK_URL}" }
  default: ${defaults}
`,
    "jobs/nightly.yaml": `id: nightly\n${job}`,
  });
  cleanups.push(made.remove);
  return loadProject({ projectDir: made.root, cwd: made.root, processEnv: env });
}

const ABANDONED = {
  kind: "abandoned" as const,
  jobId: "nightly",
  runId: "20261128T010000000Z-k3f9qa",
  startedAt: "2026-11-28T01:00:00.000Z",
  endedAt: "2026-11-28T01:20:00.000Z",
  host: "etl-1",
  error: "its process (pid 4242 on etl-1) is gone and the log has no final event",
};

describe("sendRunAlert", () => {
  it("alerts notifications.default about an abandoned run and reports each channel", async () => {
    const slack = await receiverForTest();
    const loaded = project({ SLACK_URL: slack.url, HOOK_URL: "http://127.0.0.1:9" });
    expect(await sendRunAlert(loaded, ABANDONED, { sleep: async () => {} })).toEqual([
      { channel: "oncall", channelType: "slack", ok: true, attempts: 1, error: null },
    ]);
    const { text, blocks } = JSON.parse(slack.requests[0]!.body);
    expect(text).toBe(
      "⚠️ nightly run abandoned: its process (pid 4242 on etl-1) is gone and the log has no final event — run 20261128T010000000Z-k3f9qa, 20 min 00 s, etl-1; `nomaflow show 20261128T010000000Z-k3f9qa`",
    );
    expect(blocks[1].fields).toContainEqual({ type: "mrkdwn", text: "*Last seen*\n2026-11-28T01:20:00.000Z" });
  });

  it("uses the job's recipients when given the job, and masks the secrets the project knows", async () => {
    const slack = await receiverForTest();
    const hook = await receiverForTest();
    const env = { SLACK_URL: slack.url, HOOK_URL: hook.url, OPS_DB_URL: "postgres://etl:pw-123456@db/ops" };
    const loaded = project(env, 'alerts: { recipients: [hook] }\nsteps:\n  - { name: a, type: shell, command: "true" }\n');
    const job = requireJob(await checkProject(loaded), "nightly");
    const deliveries = await sendRunAlert(loaded, { ...ABANDONED, error: "lost connection to postgres://etl:pw-123456@db/ops" }, { job });
    expect(deliveries).toMatchObject([{ channel: "hook", ok: true }]);
    expect(slack.requests).toHaveLength(0);
    expect(JSON.parse(hook.requests[0]!.body)).toMatchObject({
      kind: "abandoned",
      status: "abandoned",
      error: "lost connection to ***",
      host: "etl-1",
      ended_at: "2026-11-28T01:20:00.000Z",
    });
    expect(hook.requests[0]!.body).not.toContain("pw-123456");
  });

  it("returns no deliveries when there is no one to tell", async () => {
    const loaded = project({}, undefined, "[]");
    expect(await sendRunAlert(loaded, ABANDONED)).toEqual([]);
  });

  it("builds the request from an abandoned run's summary", async () => {
    const hook = await receiverForTest();
    const loaded = project({ HOOK_URL: hook.url }, undefined, "[hook]");
    // A run cut off after `copy` failed its first try, whose process is gone.
    const { path } = writeSampleRun(loaded.config.runsDir, {
      jobId: "nightly",
      start: new Date("2026-11-28T01:00:00.000Z"),
      final: null,
      eventCount: 7,
      host: "etl-1",
      pid: 4242,
    });
    const { events } = readRunLog(path);
    const summary = summarizeRun(events, () => false);
    expect(summary.status).toBe("abandoned");
    const request = abandonedRunRequest(summary, events.at(-1)!.ts);
    expect(await sendRunAlert(loaded, request)).toMatchObject([{ channel: "hook", ok: true }]);
    expect(JSON.parse(hook.requests[0]!.body)).toMatchObject({
      kind: "abandoned",
      status: "abandoned",
      job_id: "nightly",
      run_id: summary.run_id,
      step: "copy",
      error: "the process (pid 4242 on etl-1) is gone and the log has no final event",
      host: "etl-1",
      started_at: "2026-11-28T01:00:00.000Z",
      ended_at: "2026-11-28T01:00:00.600Z",
      duration_ms: 600,
      summary: `⚠️ nightly run abandoned: the process (pid 4242 on etl-1) is gone and the log has no final event — run ${summary.run_id}, 600 ms, etl-1; \`nomaflow show ${summary.run_id}\``,
    });
  });
});
