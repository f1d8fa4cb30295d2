/**
 * The console over real HTTP (a server on 127.0.0.1:0, fetch as the client): the page's files and
 * security headers, refusals of bad requests, the token, the session, CSRF and its rate limit, a
 * run started from the console and followed live until its steps succeed, connector tests.
 */
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { ApiError, Catalogue, ConnectorTestResult, ConsoleInfo, JobDetail, RunDetail, RunStarted } from "../../src/console/consoleApi.js";
import { ConsoleRouter } from "../../src/console/consoleRouter.js";
import { CONTENT_SECURITY_POLICY } from "../../src/console/httpAnswers.js";
import { join } from "node:path";
import { writeSampleRun } from "../run-logs/sampleRun.js";
import { freshPgliteFolder } from "../support/pgliteTemplate.js";
import { makeProject } from "../support/tempProject.js";
import { CookieClient, readLiveRun, startConsoleForTest, TEST_PAGE, type ConsoleForTest } from "./consoleForTest.js";

const TOKEN = "correct-horse-battery-staple";
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const JOBS = {
  "jobs/greet.yaml": [
    "id: greet",
    "description: says hello twice",
    "tags: [demo]",
    'schedule: { cron: "0 2 * * *", timezone: Europe/Paris }',
    "params:",
    "  name: { type: string, default: world, description: who to greet }",
    "  times: { type: integer, required: true }",
    "  loud: { type: boolean, default: false }",
    "  tone: { type: string, enum: [warm, dry], default: warm }",
    "steps:",
    '  - { name: first, type: shell, command: "sleep 0.3; echo hello ${params.name}" }',
    '  - { name: second, type: shell, command: "sleep 0.3; echo ${params.times} times" }',
    '  - { name: third, type: shell, command: "echo done" }',
    "",
  ].join("\n"),
};

async function served(files: Record<string, string> = {}, processEnv: NodeJS.ProcessEnv = { NOMAFLOW_CONSOLE_TOKEN: TOKEN }): Promise<ConsoleForTest> {
  const made = makeProject({ "nomaflow.yaml": "runs_dir: runs\n", ...JOBS, ...files });
  cleanups.push(made.remove);
  const console = await startConsoleForTest(made.root, { processEnv });
  cleanups.push(() => console.close());
  return console;
}

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** A raw request, for what fetch will not send (a body larger than declared, an odd method). */
function raw(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

describe("the page and its headers", () => {
  it("serves index.html at the root and the assets with ETags, every answer with the security headers", async () => {
    const console = await served();
    const page = await fetch(console.url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toBe(TEST_PAGE);
    for (const answer of [page, await fetch(`${console.url}api/jobs`), await fetch(`${console.url}nope`)]) {
      expect(answer.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
      expect(answer.headers.get("referrer-policy")).toBe("no-referrer");
      expect(answer.headers.get("x-frame-options")).toBe("DENY");
    }
    const script = await fetch(`${console.url}assets/console.js`);
    expect([script.status, script.headers.get("content-type"), script.headers.get("cache-control")]).toEqual([
      200,
      "text/javascript; charset=utf-8",
      "no-cache",
    ]);
    const again = await fetch(`${console.url}assets/console.js`, { headers: { "If-None-Match": script.headers.get("etag")! } });
    expect(again.status).toBe(304);
    expect((await fetch(`${console.url}api/info`)).headers.get("cache-control")).toBe("no-store");
  });

  it("answers an unchanged catalogue with a 304 for its ETag, and a new one once a run starts", async () => {
    const console = await served();
    const first = await fetch(`${console.url}api/jobs`);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const catalogue = await json<Catalogue>(first);
    expect(catalogue.jobs.map((job) => job.id)).toEqual(["greet"]);
    expect(Date.parse(catalogue.generatedAt)).toBeGreaterThan(0);

    const unchanged = await fetch(`${console.url}api/jobs`, { headers: { "If-None-Match": etag } });
    expect([unchanged.status, await unchanged.text(), unchanged.headers.get("etag")]).toEqual([304, "", etag]);
    expect(unchanged.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);

    // A run written by another process (the daemon, the CLI): the next ask gets it.
    const { runId } = writeSampleRun(join(console.root, "runs"), { jobId: "greet", final: null, pid: process.pid });
    const changed = await fetch(`${console.url}api/jobs`, { headers: { "If-None-Match": etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    expect((await json<Catalogue>(changed)).jobs[0]!.lastRun).toMatchObject({ runId, status: "running" });
  });

  it("says the page's files are missing when the build has not made them", async () => {
    const made = makeProject({ "nomaflow.yaml": "runs_dir: runs\n", ...JOBS });
    cleanups.push(made.remove);
    const console = await startConsoleForTest(made.root, { assetsDir: `${made.root}/no-such-build` });
    cleanups.push(() => console.close());
    const page = await fetch(console.url);
    expect(page.status).toBe(500);
    expect(await page.text()).toContain("the console's files are missing: run npm run build");
  });
});

describe("bad requests get a 4xx, and the console goes on serving", () => {
  it("404 for an unknown path, job or run; 405 with Allow; 413, 415 and 400 for bodies", async () => {
    const console = await served();
    const unknown = await fetch(`${console.url}api/nothing`);
    expect(unknown.status).toBe(404);
    expect(await json<ApiError>(unknown)).toMatchObject({ error: "not found: api/nothing" });
    const job = await json<ApiError>(await fetch(`${console.url}api/jobs/gret`));
    expect(job).toEqual({ error: "no job gret in this project", hint: "did you mean greet?" });
    expect((await fetch(`${console.url}api/runs/20261206T010000000Z-aaaaaa`)).status).toBe(404);
    const wrongMethod = await fetch(`${console.url}api/jobs`, { method: "PUT" });
    expect([wrongMethod.status, wrongMethod.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    expect((await fetch(`${console.url}api/session`, { method: "PATCH" })).headers.get("allow")).toBe("POST, DELETE");
    const big = await raw(`${console.url}api/session`, "POST", { "Content-Type": "application/json" }, JSON.stringify({ token: "x".repeat(70_000) }));
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ error: "the body is larger than 64 KB" });
    const chunked = await raw(`${console.url}api/session`, "POST", { "Content-Type": "application/json", "Transfer-Encoding": "chunked" }, "[".repeat(70_000));
    expect(chunked.status).toBe(413);
    const form = await fetch(`${console.url}api/session`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `token=${TOKEN}`,
    });
    expect(form.status).toBe(415);
    const notJson = await fetch(`${console.url}api/session`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{token" });
    expect([notJson.status, (await json<ApiError>(notJson)).error]).toEqual([400, expect.stringContaining("the body is not JSON")]);
    const array = await fetch(`${console.url}api/session`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "[]" });
    expect(array.status).toBe(400);
    expect((await fetch(`${console.url}api/jobs/greet/history?limit=0`)).status).toBe(400);
    expect((await fetch(`${console.url}api/%E0%A4%A`)).status).toBe(400);
    expect((await fetch(`${console.url}api/info`)).status).toBe(200);
  });

  it("a handler that throws is answered 500 and the server goes on serving", async () => {
    const reported: unknown[] = [];
    const router = new ConsoleRouter((error) => reported.push(error)).add("boom", {
      GET: () => {
        throw new Error("a bug behind a page");
      },
    });
    const server = createServer((request, response) => router.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const answer = await fetch(`${base}boom`);
      expect(answer.status).toBe(500);
      expect(await json<ApiError>(answer)).toEqual({ error: "internal error: a bug behind a page", hint: "please report it; the console goes on serving" });
    }
    expect(reported).toHaveLength(2);
  });

  it("the cron page: 400 for a bad expression, the fires for a good one", async () => {
    const console = await served();
    const bad = await fetch(`${console.url}api/cron?expression=${encodeURIComponent("0 2 * *")}&timezone=UTC`);
    expect(bad.status).toBe(400);
    expect((await json<ApiError>(bad)).error).toContain('cron "0 2 * *"');
    const good = await json<{ fires: unknown[]; words: string }>(await fetch(`${console.url}api/cron?expression=${encodeURIComponent("*/5 * * * *")}&count=4`));
    expect([good.fires.length, good.words]).toEqual([4, "Every 5 minutes"]);
  });
});

describe("the token and the session", () => {
  it("without a token, actions are unavailable and say why, and a POST is refused", async () => {
    const console = await served({}, {});
    const info = await json<ConsoleInfo>(await fetch(`${console.url}api/info`));
    expect(info).toMatchObject({ servedBy: "console", store: null, signedIn: false, csrf: null });
    expect(info.actions).toEqual({ available: false, reason: "no NOMAFLOW_CONSOLE_TOKEN is set where the console runs: actions are off" });
    const client = new CookieClient(console.url);
    expect((await client.signIn("anything-long-enough")).status).toBe(403);
    expect((await client.post("api/jobs/greet/runs", { params: { times: "1" } })).status).toBe(403);
    const short = await served({}, { NOMAFLOW_CONSOLE_TOKEN: "short" });
    expect((await json<ConsoleInfo>(await fetch(`${short.url}api/info`))).actions.reason).toBe(
      "NOMAFLOW_CONSOLE_TOKEN is shorter than 16 characters: actions are off",
    );
  });

  it("the token from the project's env file works as well as from the environment", async () => {
    const console = await served({ ".env": `NOMAFLOW_CONSOLE_TOKEN=${TOKEN}-from-file\n` }, {});
    const client = new CookieClient(console.url);
    expect((await client.signIn(TOKEN)).status).toBe(401);
    expect((await client.signIn(`${TOKEN}-from-file`)).status).toBe(200);
  });

  it("a wrong token is 401; more than 10 failures a minute from one address are 429, the right token then too", async () => {
    const console = await served();
    const client = new CookieClient(console.url);
    for (let attempt = 0; attempt < 10; attempt++) expect((await client.signIn(`wrong-token-number-${attempt}`)).status).toBe(401);
    const limited = await client.signIn(TOKEN);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(client.cookie).toBeUndefined();
  });

  it("the right token sets an HttpOnly SameSite cookie and gives the CSRF token; sign out ends it", async () => {
    const console = await served();
    const client = new CookieClient(console.url);
    const signedIn = await client.signIn(TOKEN);
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^nomaflow_console=[\w-]{40,}; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const info = await json<ConsoleInfo>(await client.fetch("api/info"));
    expect([info.signedIn, info.csrf]).toEqual([true, client.csrf]);
    const secure = await fetch(`${console.url}api/session`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Forwarded-Proto": "https" },
      body: JSON.stringify({ token: TOKEN }),
    });
    expect(secure.headers.get("set-cookie")).toMatch(/; Secure$/);
    const signedOut = await client.fetch("api/session", { method: "DELETE", headers: { "X-CSRF-Token": client.csrf! } });
    expect(signedOut.status).toBe(200);
    expect(await json<ConsoleInfo>(await client.fetch("api/info"))).toMatchObject({ signedIn: false, csrf: null });
  });

  it("a POST needs the session, the right CSRF token and the console's own origin", async () => {
    const console = await served();
    const client = new CookieClient(console.url);
    await client.signIn(TOKEN);
    const body = { params: { times: "1" } };
    const noCsrf = await client.post("api/jobs/greet/runs", body, { "X-CSRF-Token": "" });
    expect([noCsrf.status, (await json<ApiError>(noCsrf)).error]).toEqual([403, "the request's CSRF token is missing or wrong"]);
    expect((await client.post("api/jobs/greet/runs", body, { "X-CSRF-Token": `${client.csrf}x` })).status).toBe(403);
    const crossOrigin = await client.post("api/jobs/greet/runs", body, { Origin: "https://evil.example" });
    expect([crossOrigin.status, (await json<ApiError>(crossOrigin)).error]).toEqual([403, "the request comes from another site"]);
    expect((await client.post("api/jobs/greet/runs", body, { "Sec-Fetch-Site": "cross-site" })).status).toBe(403);
    const stranger = new CookieClient(console.url);
    stranger.csrf = client.csrf;
    const noSession = await stranger.post("api/jobs/greet/runs", body);
    expect([noSession.status, (await json<ApiError>(noSession)).error]).toEqual([403, "sign in with the console token"]);
    expect(console.runs.size).toBe(0);
  });
});

describe("actions", () => {
  it("Run now: refused parameters are named one by one; the right ones start the run, whose steps go to succeeded live", async () => {
    const console = await served();
    const client = new CookieClient(console.url);
    await client.signIn(TOKEN);
    const detail = await json<JobDetail>(await client.fetch("api/jobs/greet"));
    expect(detail.params).toEqual([
      { name: "name", type: "string", description: "who to greet", required: false, default: "world", choices: null },
      { name: "times", type: "integer", description: null, required: true, default: null, choices: null },
      { name: "loud", type: "boolean", description: null, required: false, default: "false", choices: null },
      { name: "tone", type: "string", description: null, required: false, default: "warm", choices: ["warm", "dry"] },
    ]);
    expect(detail.command).toBe("nomaflow run greet -p name=world -p times=VALUE -p loud=false -p tone=warm");
    const refused = await client.post("api/jobs/greet/runs", { params: { times: "many", loud: "yes", tone: "hot", colour: "red" } });
    expect(refused.status).toBe(400);
    expect((await json<ApiError>(refused)).problems!.map((problem) => problem.field)).toEqual(["colour", "times", "loud", "tone"]);
    const missing = await json<ApiError>(await client.post("api/jobs/greet/runs", { params: { times: "" } }));
    expect(missing.problems).toEqual([{ field: "times", message: "parameter times is required: give it with -p times=VALUE" }]);
    expect(console.runs.size).toBe(0);

    const started = await client.post("api/jobs/greet/runs", { params: { name: "console", times: "2" } });
    expect(started.status).toBe(202);
    const { runId } = await json<RunStarted>(started);
    const live = await fetch(`${console.url}api/runs/${runId}/live`);
    expect(live.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const { runs, arrivals, ended } = await readLiveRun<RunDetail>(live);
    expect(ended).toBe(true);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs[0]!.status).toBe("running");
    const last = runs.at(-1)!;
    expect(last).toMatchObject({
      runId,
      jobId: "greet",
      status: "succeeded",
      trigger: "manual",
      params: { name: "console", times: 2, loud: false, tone: "warm" },
    });
    expect(last.steps.map((step) => step.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect(last.steps[0]!.output).toMatchObject({ stdout: "hello console" });
    // Seen going: each step was shown running before it succeeded.
    const seen = (name: string) => runs.map((run) => run.steps.find((step) => step.name === name)!.status);
    expect(seen("second")).toContain("running");
    // Each step's end reached the page soon after it was written (250 ms promised; a busy test machine gets some slack).
    for (const step of last.steps) {
      const shown = runs.findIndex((run) => run.steps.find((candidate) => candidate.name === step.name)!.status === "succeeded");
      expect(arrivals[shown]! - Date.parse(step.endedAt!), step.name).toBeLessThan(500);
    }
    const again = await json<RunDetail>(await fetch(`${console.url}api/runs/${runId}`));
    expect(again.status).toBe("succeeded");
    const catalogue = await json<Catalogue>(await fetch(`${console.url}api/jobs`));
    expect(catalogue.jobs[0]!.lastRun).toMatchObject({ runId, status: "succeeded", trigger: "manual" });
  });

  it("a live stream of a run that ended long ago sends it once and ends; past the cap, streams are refused with 503", async () => {
    const made = makeProject({ "nomaflow.yaml": "runs_dir: runs\n", ...JOBS });
    cleanups.push(made.remove);
    const console = await startConsoleForTest(made.root, { processEnv: { NOMAFLOW_CONSOLE_TOKEN: TOKEN }, maxLiveStreams: 1 });
    cleanups.push(() => console.close());
    const client = new CookieClient(console.url);
    await client.signIn(TOKEN);
    const { runId } = await json<RunStarted>(await client.post("api/jobs/greet/runs", { params: { times: "1" } }));
    await console.runs.get(runId);
    const ended = await readLiveRun<RunDetail>(await fetch(`${console.url}api/runs/${runId}/live`));
    expect([ended.runs.length, ended.runs[0]!.status, ended.ended]).toEqual([1, "succeeded", true]);
    expect(console.app.liveStreams).toBe(0);

    const slow = await client.post("api/jobs/greet/runs", { params: { times: "1" } });
    const slowId = (await json<RunStarted>(slow)).runId;
    const first = await fetch(`${console.url}api/runs/${slowId}/live`);
    const second = await fetch(`${console.url}api/runs/${slowId}/live`);
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("10");
    expect((await readLiveRun<RunDetail>(first)).ended).toBe(true);
  });

  it("Test connection: the server's version and latency for one that works, the reason for one that does not", async () => {
    const console = await served({
      "nomaflow.yaml": 'runs_dir: runs\nconnectors:\n  scratch: { url: "pglite:scratch" }\n  refused: { url: "postgres://postgres@127.0.0.1:1/x" }\n',
    });
    // An initialised database, copied: initdb would take most of the test.
    await freshPgliteFolder(join(console.root, "scratch"));
    const client = new CookieClient(console.url);
    expect((await client.post("api/connectors/scratch/test", {})).status).toBe(403);
    await client.signIn(TOKEN);
    const ok = await json<ConnectorTestResult>(await client.post("api/connectors/scratch/test", {}));
    expect(ok).toMatchObject({ name: "scratch", ok: true, hint: null });
    expect(ok.message).toMatch(/^PostgreSQL \d+/);
    expect(ok.latencyMs).toBeGreaterThan(0);
    const refused = await json<ConnectorTestResult>(await client.post("api/connectors/refused/test", {}));
    expect(refused).toEqual({
      name: "refused",
      ok: false,
      latencyMs: null,
      message: "connection refused by 127.0.0.1:1 (is the server running and listening there?)",
      hint: null,
    });
    const unknown = await client.post("api/connectors/scrach/test", {});
    expect([unknown.status, (await json<ApiError>(unknown)).hint]).toEqual([404, "did you mean `scratch`?"]);
  }, 60_000);
});
