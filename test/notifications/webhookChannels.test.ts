/**
 * The slack, teams and webhook channels against a real HTTP server on 127.0.0.1: the exact
 * payload each sends, retries and their limits, per-try time limits, recipients that cannot be
 * used, and masking of secrets in payloads and errors.
 */
import { describe, expect, it } from "vitest";
import { Notifier, type NotifierOptions } from "../../src/notifications/notifier.js";
import { failureAlert, longRunAlert, notifyAlert } from "../../src/notifications/runAlert.js";
import type { ChannelConfig } from "../../src/project/projectConfig.js";
import { SecretMasker } from "../../src/secrets/secretMasker.js";
import { VERSION } from "../../src/identity/version.js";
import { receiverForTest, type HttpReceiver } from "../support/httpReceiver.js";

function channels(definitions: Record<string, Record<string, unknown>>): Map<string, ChannelConfig> {
  return new Map(Object.entries(definitions).map(([name, fields]) => [name, { name, type: String(fields.type), fields }]));
}

/** A notifier whose waits are recorded, not slept. */
function notifier(definitions: Record<string, Record<string, unknown>>, env: Record<string, string> = {}, options: Partial<NotifierOptions> = {}) {
  const waits: number[] = [];
  const instance = new Notifier({
    channels: channels(definitions),
    environment: { values: env, file: ".env", fileFound: false },
    sleep: async (ms) => void waits.push(ms),
    ...options,
  });
  return { notifier: instance, waits };
}

const RUN = { jobId: "nightly", runId: "20261128T010000000Z-k3f9qa", host: "db-1", startedAt: Date.parse("2026-11-28T01:00:00.000Z") };
const FAILURE = failureAlert(RUN, {
  failedStep: "copy",
  error: 'relation "reporting.customers" does not exist\nHINT: <create it>',
  endedAt: RUN.startedAt + 64_000,
});
const SUMMARY =
  '❌ nightly failed at step copy: relation "reporting.customers" does not exist — run 20261128T010000000Z-k3f9qa, 1 min 04 s, db-1; `nomaflow show 20261128T010000000Z-k3f9qa`';

const body = (server: HttpReceiver, index = 0) => JSON.parse(server.requests[index]!.body) as Record<string, unknown>;

describe("slack", () => {
  it("posts {text, blocks}: the whole alert on one line, then headline, facts, error and command", async () => {
    const server = await receiverForTest();
    const { notifier: slack } = notifier({ oncall: { type: "slack", url: `${server.url}/services/T0/B0/x` } });
    expect(await slack.send(FAILURE, ["oncall"])).toEqual([{ channel: "oncall", channelType: "slack", ok: true, attempts: 1, error: null }]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: "POST", url: "/services/T0/B0/x" });
    expect(server.requests[0]!.headers).toMatchObject({ "content-type": "application/json", "user-agent": `nomaflow/${VERSION}` });
    expect(body(server)).toEqual({
      text: SUMMARY,
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: "*❌ nightly failed at step copy*" } },
        {
          type: "section",
          fields: [
            { type: "mrkdwn", text: "*Job*\nnightly" },
            { type: "mrkdwn", text: "*Run*\n20261128T010000000Z-k3f9qa" },
            { type: "mrkdwn", text: "*Status*\nfailed" },
            { type: "mrkdwn", text: "*Failed step*\ncopy" },
            { type: "mrkdwn", text: "*Duration*\n1 min 04 s" },
            { type: "mrkdwn", text: "*Host*\ndb-1" },
            { type: "mrkdwn", text: "*Started*\n2026-11-28T01:00:00.000Z" },
            { type: "mrkdwn", text: "*Ended*\n2026-11-28T01:01:04.000Z" },
          ],
        },
        { type: "section", text: { type: "mrkdwn", text: '```relation "reporting.customers" does not exist\nHINT: &lt;create it&gt;```' } },
        { type: "context", elements: [{ type: "mrkdwn", text: "`nomaflow show 20261128T010000000Z-k3f9qa`" }] },
      ],
    });
  });

  it("words long-run alerts and plugin notifications for what they are", async () => {
    const server = await receiverForTest();
    const { notifier: slack } = notifier({ oncall: { type: "slack", url: server.url } });
    await slack.send(longRunAlert(RUN, { minutes: 90, now: RUN.startedAt + 91 * 60_000, step: "copy" }), ["oncall"]);
    await slack.send(notifyAlert(RUN, { step: "sanity", text: "row count dropped 40%", now: RUN.startedAt + 5000 }), ["oncall"]);
    expect(body(server, 0).text).toBe(
      "⏳ nightly has been running for 90 min (now at step copy) — run 20261128T010000000Z-k3f9qa, 1 h 31 min, db-1; `nomaflow show 20261128T010000000Z-k3f9qa`",
    );
    expect(body(server, 1).text).toBe(
      "row count dropped 40% — nightly, step sanity, run 20261128T010000000Z-k3f9qa, 5.0 s, db-1; `nomaflow show 20261128T010000000Z-k3f9qa`",
    );
    expect((body(server, 1).blocks as unknown[]).at(2)).toEqual({ type: "section", text: { type: "mrkdwn", text: "row count dropped 40%" } });
  });
});

describe("teams", () => {
  it("posts a message with one Adaptive Card", async () => {
    const server = await receiverForTest((_, response) => {
      response.statusCode = 202;
      response.end();
    });
    const { notifier: teams } = notifier({ teams: { type: "teams", url: `${server.url}/workflows/abc` } });
    expect(await teams.send(FAILURE, ["teams"])).toMatchObject([{ ok: true, attempts: 1 }]);
    expect(body(server)).toEqual({
      type: "message",
      summary: SUMMARY,
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          contentUrl: null,
          content: {
            $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard",
            version: "1.4",
            msteams: { width: "Full" },
            body: [
              { type: "TextBlock", text: "❌ nightly failed at step copy", weight: "Bolder", size: "Medium", wrap: true, color: "Attention" },
              {
                type: "FactSet",
                facts: [
                  { title: "Job", value: "nightly" },
                  { title: "Run", value: "20261128T010000000Z-k3f9qa" },
                  { title: "Status", value: "failed" },
                  { title: "Failed step", value: "copy" },
                  { title: "Duration", value: "1 min 04 s" },
                  { title: "Host", value: "db-1" },
                  { title: "Started", value: "2026-11-28T01:00:00.000Z" },
                  { title: "Ended", value: "2026-11-28T01:01:04.000Z" },
                ],
              },
              { type: "TextBlock", text: 'relation "reporting.customers" does not exist\nHINT: <create it>', wrap: true, fontType: "Monospace" },
              { type: "TextBlock", text: "nomaflow show 20261128T010000000Z-k3f9qa", fontType: "Monospace", isSubtle: true, wrap: true },
            ],
          },
        },
      ],
    });
  });
});

describe("webhook", () => {
  it("posts a self-describing JSON document with the channel's headers, interpolated from the environment", async () => {
    const server = await receiverForTest();
    const { notifier: hook } = notifier(
      { hook: { type: "webhook", url: "${env:HOOK_URL}", headers: { Authorization: "Bearer ${env:HOOK_TOKEN}", "X-Team": "data" } } },
      { HOOK_URL: `${server.url}/alerts`, HOOK_TOKEN: "tok-0123456789" },
    );
    expect(await hook.send(FAILURE, ["hook"])).toMatchObject([{ ok: true }]);
    expect(server.requests[0]!.headers).toMatchObject({ authorization: "Bearer tok-0123456789", "x-team": "data", "content-type": "application/json" });
    expect(body(server)).toEqual({
      schema: "nomaflow.alert",
      version: 1,
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      kind: "on_failure",
      summary: SUMMARY,
      job_id: "nightly",
      run_id: "20261128T010000000Z-k3f9qa",
      status: "failed",
      failed_step: "copy",
      error: 'relation "reporting.customers" does not exist\nHINT: <create it>',
      step: null,
      text: null,
      duration_ms: 64_000,
      long_run_minutes: null,
      host: "db-1",
      started_at: "2026-11-28T01:00:00.000Z",
      ended_at: "2026-11-28T01:01:04.000Z",
      show_command: "nomaflow show 20261128T010000000Z-k3f9qa",
    });
  });

  it("gives one alert the same id on every channel and every try, so a receiver can drop duplicates", async () => {
    const server = await receiverForTest((_, response, index) => {
      response.statusCode = index === 0 ? 503 : 200;
      response.end();
    });
    const { notifier: hooks } = notifier({ a: { type: "webhook", url: `${server.url}/a` }, b: { type: "webhook", url: `${server.url}/b` } });
    await hooks.send(FAILURE, ["a", "b"]);
    expect(server.requests).toHaveLength(3);
    expect(new Set(server.requests.map((request) => JSON.parse(request.body).id)).size).toBe(1);
  });
});

describe("delivery", () => {
  it("retries a 5xx and reports the channel sent on the try that worked", async () => {
    const server = await receiverForTest((_, response, index) => {
      response.statusCode = index === 0 ? 500 : 200;
      response.end(index === 0 ? "internal" : "ok");
    });
    const { notifier: slack, waits } = notifier({ oncall: { type: "slack", url: server.url } });
    expect(await slack.send(FAILURE, ["oncall"])).toEqual([{ channel: "oncall", channelType: "slack", ok: true, attempts: 2, error: null }]);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.body).toBe(server.requests[0]!.body);
    expect(waits).toEqual([1000]);
  });

  it("gives up after three tries with backoff, saying what the receiver answered", async () => {
    const server = await receiverForTest((_, response) => {
      response.statusCode = 500;
      response.end("database    on fire\n");
    });
    const { notifier: slack, waits } = notifier({ oncall: { type: "slack", url: `${server.url}/x` } });
    expect(await slack.send(FAILURE, ["oncall"])).toEqual([
      { channel: "oncall", channelType: "slack", ok: false, attempts: 3, error: `${server.url} answered HTTP 500 Internal Server Error: database on fire` },
    ]);
    expect(waits).toEqual([1000, 2000]);
  });

  it("does not retry what another try cannot fix (404, 400)", async () => {
    const server = await receiverForTest((_, response) => {
      response.statusCode = 404;
      response.end("no_service");
    });
    const { notifier: slack, waits } = notifier({ oncall: { type: "slack", url: server.url } });
    expect(await slack.send(FAILURE, ["oncall"])).toMatchObject([{ ok: false, attempts: 1, error: `${server.url} answered HTTP 404 Not Found: no_service` }]);
    expect(waits).toEqual([]);
  });

  it("limits each try in time, even when the receiver never answers", async () => {
    const server = await receiverForTest(() => {});
    const { notifier: slack } = notifier({ oncall: { type: "slack", url: server.url } }, {}, { timeoutMs: 150, tries: 2 });
    const started = Date.now();
    expect(await slack.send(FAILURE, ["oncall"])).toMatchObject([{ ok: false, attempts: 2, error: "timed out after 150 ms" }]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(server.requests).toHaveLength(2);
  });

  it("reports a connection refused as retryable and names only the receiver's origin", async () => {
    const server = await receiverForTest();
    const url = `${server.url}/services/secret-path-token`;
    await server.close();
    const { notifier: slack } = notifier({ oncall: { type: "slack", url } });
    const [delivery] = await slack.send(FAILURE, ["oncall"]);
    expect(delivery).toMatchObject({ ok: false, attempts: 3 });
    expect(delivery!.error).toContain(`POST to ${server.url} failed`);
    expect(delivery!.error).toContain("ECONNREFUSED");
    expect(delivery!.error).not.toContain("secret-path-token");
  });

  it("stops trying when the caller gives up (an interrupted run)", async () => {
    const server = await receiverForTest((_, response) => {
      response.statusCode = 503;
      response.end();
    });
    const stop = new AbortController();
    const { notifier: slack } = notifier(
      { oncall: { type: "slack", url: server.url } },
      {},
      {
        sleep: async () => {
          stop.abort(new Error("interrupted by SIGINT"));
          throw new Error("aborted");
        },
      },
    );
    const [delivery] = await slack.send(FAILURE, ["oncall"], { signal: stop.signal });
    expect(delivery).toMatchObject({ ok: false, attempts: 1 });
    expect(delivery!.error).toMatch(/^gave up before try 2: interrupted by SIGINT; last error: .* answered HTTP 503/);
    expect(server.requests).toHaveLength(1);
  });

  it("sends to every recipient at once, in recipient order, each name once", async () => {
    const server = await receiverForTest((request, response) => {
      // The first channel answers last: deliveries still come back in recipient order.
      setTimeout(() => response.end("ok"), request.url === "/slow" ? 200 : 0);
    });
    const { notifier: both } = notifier({ slow: { type: "slack", url: `${server.url}/slow` }, fast: { type: "webhook", url: `${server.url}/fast` } });
    const started = Date.now();
    const deliveries = await both.send(FAILURE, ["slow", "fast", "slow"]);
    expect(deliveries.map((delivery) => [delivery.channel, delivery.ok])).toEqual([
      ["slow", true],
      ["fast", true],
    ]);
    expect(server.requests.map((request) => request.url)).toEqual(["/slow", "/fast"]);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("reports an unknown channel and an unset variable without trying, and still sends to the others", async () => {
    const server = await receiverForTest();
    const { notifier: mixed } = notifier({ oncall: { type: "slack", url: server.url }, hook: { type: "webhook", url: "${env:ALERT_WEBHOOK_URL}" } });
    expect(await mixed.send(FAILURE, ["pager", "hook", "oncall"])).toEqual([
      {
        channel: "pager",
        channelType: null,
        ok: false,
        attempts: 0,
        error: "channel pager is not defined in nomaflow.yaml (notifications.channels has: oncall, hook)",
      },
      {
        channel: "hook",
        channelType: "webhook",
        ok: false,
        attempts: 0,
        error: "channel hook: url needs environment variable ALERT_WEBHOOK_URL, which is not set",
      },
      { channel: "oncall", channelType: "slack", ok: true, attempts: 1, error: null },
    ]);
    expect(server.requests).toHaveLength(1);
  });

  it("rejects a url that is not http(s) without trying", async () => {
    const { notifier: bad } = notifier({ oncall: { type: "slack", url: "ftp://example.com/x" } });
    expect(await bad.send(FAILURE, ["oncall"])).toMatchObject([{ ok: false, attempts: 1, error: "url must start with http:// or https://, not ftp://" }]);
  });
});

describe("masking", () => {
  it("masks secrets in the payload and in errors, the webhook URL's token included", async () => {
    const server = await receiverForTest((request, response) => {
      // A receiver that quotes the request path back, as some gateways do.
      response.statusCode = 400;
      response.end(`unknown hook ${request.url}`);
    });
    const hookUrl = `${server.url}/hooks/T0123/B0456/abcdefabcdef`;
    const env = { SLACK_URL: hookUrl, DB_PASSWORD: "hunter2-very-secret" };
    const masker = new SecretMasker();
    masker.add(env.DB_PASSWORD);
    const alert = failureAlert(RUN, {
      failedStep: "copy",
      error: `login failed for password hunter2-very-secret while posting to ${hookUrl}`,
      endedAt: RUN.startedAt + 1000,
    });
    const { notifier: slack } = notifier({ oncall: { type: "slack", url: "${env:SLACK_URL}" } }, env);
    const [delivery] = await slack.send(alert, ["oncall"], { masker });
    const sent = server.requests[0]!.body;
    expect(sent).toContain("login failed for password *** while posting to ***");
    for (const secret of ["hunter2-very-secret", "abcdefabcdef", "/hooks/T0123"]) {
      expect(sent).not.toContain(secret);
      expect(delivery!.error).not.toContain(secret);
    }
    expect(delivery!.error).toBe(`${server.url} answered HTTP 400 Bad Request: unknown hook ***`);
  });
});
