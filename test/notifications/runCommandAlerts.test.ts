/**
 * `nomaflow run` end to end (the built binary): a failing job alerts the slack channel named by
 * `${env:…}` in the env file, the alert is in the run log before run_failed, the output says so,
 * and the webhook URL (a secret) shows nowhere.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/run-logs/runEvents.js";
import { receiverForTest } from "../support/httpReceiver.js";
import { makeProject, runCli } from "../support/tempProject.js";
import { selfSignedCertificate, startSmtpReceiver } from "./smtpReceiver.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const SLACK_CONFIG = `runs_dir: runs
notifications:
  channels:
    oncall: { type: slack, url: "\${env:SLACK_WEBHOOK_URL}" }
  default: [oncall]
`;

function project(slackUrl: string, files: Record<string, string> = {}): string {
  const made = makeProject({
    "nomaflow.yaml": SLACK_CONFIG,
    ".env": `SLACK_WEBHOOK_URL=${slackUrl}\n`,
    "jobs/job.yaml": `id: job
alerts: { on_failure: true, on_long_run_minutes: 60 }
steps:
  - { name: extract, type: shell, command: "true" }
  - { name: load, type: shell, command: "echo 'disk full' >&2; exit 3" }
`,
    ...files,
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

describe("nomaflow run alerts", () => {
  it("alerts the slack channel of a failing job, before run_failed, with the URL masked everywhere", async () => {
    const slack = await receiverForTest((_, response) => response.end("ok"));
    const slackUrl = `${slack.url}/services/T0123/B0456/secrettoken42`;
    const root = project(slackUrl);
    const result = await runCli(["run", "job"], { cwd: root });
    expect(result.code).toBe(1);
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]!.url).toBe("/services/T0123/B0456/secrettoken42");
    const { text } = JSON.parse(slack.requests[0]!.body) as { text: string };
    expect(text).toMatch(/^❌ job failed at step load: .*exit.* 3.* — run \S+, .+; `nomaflow show \S+`$/);

    const log = runLog(root);
    expect(log.map((event) => event.event).slice(-3)).toEqual(["step_failed", "alert_sent", "run_failed"]);
    expect(log.at(-2)).toMatchObject({ event: "alert_sent", channel: "oncall", channel_type: "slack", kind: "on_failure", attempts: 1 });
    expect(result.stdout).toContain("✉ failure alert sent to oncall (slack)");
    const shown = await runCli(["show", log[0]!.run_id], { cwd: root });
    expect(shown.stdout).toContain("\n  ✉ failure alert sent to oncall (slack)\n");
    for (const text of [result.stdout, result.stderr, shown.stdout, JSON.stringify(log)]) {
      expect(text).not.toContain("secrettoken42");
      expect(text).not.toContain(slack.url);
    }
  });

  it("shows a channel that cannot be reached, and the run still fails with its own error and exit code", async () => {
    const slack = await receiverForTest((_, response) => {
      response.statusCode = 404;
      response.end("no_service");
    });
    const root = project(`${slack.url}/services/T0123/B0456/secrettoken42`);
    const result = await runCli(["run", "job", "--json"], { cwd: root });
    expect(result.code).toBe(1);
    const events = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as RunEvent);
    expect(events.at(-2)).toMatchObject({
      event: "alert_failed",
      channel: "oncall",
      kind: "on_failure",
      attempts: 1,
      error: `${slack.url} answered HTTP 404 Not Found: no_service`,
    });
    expect(events.at(-1)).toMatchObject({ event: "run_failed", failed_step: "load" });
    expect(runLog(root)).toEqual(events);
    const plain = await runCli(["run", "job"], { cwd: root });
    expect(plain.stdout).toContain(`✉ failure alert to oncall (slack) failed: ${slack.url} answered HTTP 404 Not Found: no_service`);
    expect(plain.stdout + result.stdout).not.toContain("secrettoken42");
  });

  it("mails through the bundled CLI over STARTTLS with AUTH, trusting a private CA the standard Node way", async () => {
    const certificate = await selfSignedCertificate();
    const smtp = await startSmtpReceiver({ certificate, implicitTls: false, credentials: { user: "nomaflow", password: "s3cret-pass" } });
    cleanups.push(() => smtp.close());
    const root = project("http://127.0.0.1:9/unused", {
      "nomaflow.yaml": `runs_dir: runs
notifications:
  channels:
    mail: { type: email, smtp_url: "\${env:SMTP_URL}", from: "nomaflow@example.com", to: ["oncall@example.com"] }
  default: [mail]
`,
      ".env": `SMTP_URL=smtp://nomaflow:s3cret-pass@127.0.0.1:${smtp.port}\n`,
      "ca.pem": certificate.cert,
    });
    const result = await runCli(["run", "job"], { cwd: root, env: { NODE_EXTRA_CA_CERTS: join(root, "ca.pem") } });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("✉ failure alert sent to mail (email)");
    expect(smtp.mails).toMatchObject([
      { from: "nomaflow@example.com", to: ["oncall@example.com"], user: "nomaflow", secure: true, subject: "nomaflow: job failed at step load" },
    ]);
    expect(smtp.mails[0]!.text).toMatch(/^❌ job failed at step load: /);
    expect(result.stdout + JSON.stringify(runLog(root))).not.toContain("s3cret-pass");
  });
});
