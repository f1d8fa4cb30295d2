/** The demo's Slack stand-in: a real HTTP server on 127.0.0.1 that records and answers like Slack. */
import { request } from "undici";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startSlackStandIn, type SlackStandIn } from "../../src/demo/slackStandIn.js";

let slack: SlackStandIn;
beforeAll(async () => {
  slack = await startSlackStandIn();
});
afterAll(() => slack.close());

async function post(body: string): Promise<{ status: number; text: string }> {
  const response = await request(slack.url, { method: "POST", headers: { "content-type": "application/json" }, body });
  return { status: response.statusCode, text: await response.body.text() };
}

it("listens on 127.0.0.1 at a webhook-like path", () => {
  expect(slack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/services\//);
});

it("records each POST in order and answers as Slack does", async () => {
  expect(await post(JSON.stringify({ text: "✅ reporting-nightly-sync succeeded" }))).toEqual({ status: 200, text: "ok" });
  expect(await post(JSON.stringify({ blocks: [{ type: "section" }] }))).toEqual({ status: 200, text: "ok" });
  expect(await post("not json")).toEqual({ status: 400, text: "invalid_payload" });
  expect(await post(JSON.stringify({ username: "bot" }))).toEqual({ status: 400, text: "no_text" });
  expect(slack.messages.map(({ payload, answer }) => ({ payload, answer }))).toEqual([
    { payload: { text: "✅ reporting-nightly-sync succeeded" }, answer: "ok" },
    { payload: { blocks: [{ type: "section" }] }, answer: "ok" },
    { payload: "not json", answer: "invalid_payload" },
    { payload: { username: "bot" }, answer: "no_text" },
  ]);
  expect(Date.parse(slack.messages[0]!.receivedAt)).not.toBeNaN();
});

it("answers anything but POST with 405 and records nothing", async () => {
  const before = slack.messages.length;
  const response = await request(slack.url, { method: "GET" });
  expect(response.statusCode).toBe(405);
  await response.body.dump();
  expect(slack.messages).toHaveLength(before);
});
