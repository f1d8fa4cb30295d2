import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StepError } from "../../../src/errors/nomaflowError.js";
import { httpStep } from "../../../src/step-types/http/index.js";
import { HttpStatusError, parseRetryAfter } from "../../../src/step-types/http/httpStatusError.js";
import { runHttpStep } from "../../../src/step-types/http/runHttpStep.js";
import { recordingContext } from "../../support/recordingContext.js";
import { startServer, type ReceivedRequest, type TestServer } from "./testServer.js";

const never = new AbortController().signal;
let server: TestServer;
/** Called when a request for /slow arrives; /slow never answers. */
let onSlow: ((request: ReceivedRequest) => void) | undefined;

function send(response: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": contentType, ...headers });
  response.end(body);
}

beforeAll(async () => {
  server = await startServer((request, response) => {
    const url = new URL(request.url, "http://test");
    const query = (name: string) => url.searchParams.get(name);
    if (url.pathname === "/echo") {
      send(response, 200, "application/json", JSON.stringify({ method: request.method, headers: request.headers, body: request.body }));
    } else if (url.pathname.startsWith("/status/")) {
      const status = Number(url.pathname.slice("/status/".length));
      const retryAfter = query("retry_after");
      const body = query("size") ? "E".repeat(Number(query("size"))) : (query("body") ?? `status ${status} body`);
      send(response, status, "text/plain", body, retryAfter ? { "retry-after": retryAfter } : {});
    } else if (url.pathname === "/json") {
      send(response, 200, "application/json; charset=utf-8", JSON.stringify({ rows: [1, 2], ok: true }));
    } else if (url.pathname === "/problem") {
      send(response, 200, "application/problem+json", JSON.stringify({ title: "fine" }));
    } else if (url.pathname === "/bad-json") {
      send(response, 200, "application/json", "this is not JSON");
    } else if (url.pathname === "/text") {
      send(response, 200, "text/plain", "hello\nworld\n");
    } else if (url.pathname === "/big") {
      send(response, 200, query("type") ?? "text/plain", query("type") ? `[${'"abcdefgh",'.repeat(20_000)}1]` : "abcdefghij".repeat(20_000));
    } else if (url.pathname === "/slow") {
      onSlow?.(request);
    } else {
      send(response, 404, "text/plain", "no such route");
    }
  });
});

afterAll(() => server.close());

describe("http step: requests", () => {
  it("is wired as the run function of the http type (loaded when first run)", async () => {
    const { context } = recordingContext();
    const signal = new AbortController().signal;
    const direct = await runHttpStep({ url: "ftp://example.invalid/" }, context, signal).catch((error: Error) => error.message);
    const throughType = await httpStep.run({ url: "ftp://example.invalid/" }, context, signal).catch((error: Error) => error.message);
    expect(throughType).toBe(direct);
  });

  it("sends a GET by default and returns the status and the parsed JSON body", async () => {
    const { context } = recordingContext();
    const output = await runHttpStep({ url: `${server.base}/json` }, context, never);
    expect(output).toEqual({ status: 200, body: { rows: [1, 2], ok: true }, truncated: false });
    expect(server.requests.at(-1)?.method).toBe("GET");
  });

  it("sends an object body as JSON with the headers as given", async () => {
    const { context } = recordingContext();
    const body = { text: "✅ done", nested: { n: 1 }, list: [true, null] };
    const output = await runHttpStep(
      { url: `${server.base}/echo`, method: "POST", headers: { "X-Request-Id": "abc 123", Authorization: "Bearer t0ken" }, body },
      context,
      never,
    );
    const received = server.requests.at(-1)!;
    expect(received.method).toBe("POST");
    expect(received.headers["content-type"]).toBe("application/json");
    expect(received.headers["x-request-id"]).toBe("abc 123");
    expect(received.headers.authorization).toBe("Bearer t0ken");
    expect(received.headers["user-agent"]).toMatch(/^nomaflow\//);
    expect(JSON.parse(received.body)).toEqual(body);
    expect(output.status).toBe(200);
  });

  it("sends a list body as JSON too", async () => {
    const { context } = recordingContext();
    await runHttpStep({ url: `${server.base}/echo`, method: "PUT", body: [1, "two", { three: 3 }] }, context, never);
    expect(JSON.parse(server.requests.at(-1)!.body)).toEqual([1, "two", { three: 3 }]);
    expect(server.requests.at(-1)!.headers["content-type"]).toBe("application/json");
  });

  it("keeps a content-type the step gives, whatever its case", async () => {
    const { context } = recordingContext();
    await runHttpStep({ url: `${server.base}/echo`, method: "POST", headers: { "Content-Type": "application/vnd.api+json" }, body: { a: 1 } }, context, never);
    expect(server.requests.at(-1)!.headers["content-type"]).toBe("application/vnd.api+json");
  });

  it("sends a string body as it is, adding no content-type", async () => {
    const { context } = recordingContext();
    await runHttpStep({ url: `${server.base}/echo`, method: "POST", body: 'id,name\n1,"a, b"\n' }, context, never);
    const received = server.requests.at(-1)!;
    expect(received.body).toBe('id,name\n1,"a, b"\n');
    expect(received.headers["content-type"]).toBeUndefined();
  });

  it("logs one debug line per request with method, URL, status and time", async () => {
    const { context, messages } = recordingContext();
    await runHttpStep({ url: `${server.base}/echo`, method: "POST", body: {} }, context, never);
    expect(messages("debug")).toHaveLength(1);
    expect(messages("debug")[0]).toMatch(new RegExp(`^POST ${server.base}/echo → 200 in \\d+ ms$`));
  });

  it("reuses one keep-alive connection for sequential steps to the same host", async () => {
    const own = await startServer((_request, response) => send(response, 200, "text/plain", "ok"));
    try {
      const { context } = recordingContext();
      for (let step = 0; step < 5; step++)
        await runHttpStep({ url: `${own.base}/ping`, method: step % 2 ? "POST" : "GET", body: step % 2 ? { step } : undefined }, context, never);
      expect(own.requests).toHaveLength(5);
      expect(own.sockets).toHaveLength(1);
    } finally {
      await own.close();
    }
  });

  it("refuses a URL that is not http or https, without retries", async () => {
    const { context } = recordingContext();
    const error = await runHttpStep({ url: "ftp://example.com/x" }, context, never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StepError);
    expect(error).toMatchObject({ retryable: false, message: 'url "ftp://example.com/x" is not an http:// or https:// URL' });
  });
});

describe("http step: expect_status", () => {
  const cases: { status: number; expect_status?: number | string | (number | string)[]; ok: boolean }[] = [
    { status: 200, ok: true },
    { status: 204, ok: true },
    { status: 201, expect_status: 201, ok: true },
    { status: 200, expect_status: 201, ok: false },
    { status: 404, expect_status: "4xx", ok: true },
    { status: 302, ok: false },
    { status: 404, expect_status: [200, 404], ok: true },
    { status: 409, expect_status: ["2xx", 404], ok: false },
    { status: 503, expect_status: ["2xx", "5xx"], ok: true },
  ];
  for (const { status, expect_status, ok } of cases) {
    it(`${status} with expect_status ${JSON.stringify(expect_status ?? "default")} ${ok ? "passes" : "fails"}`, async () => {
      const { context } = recordingContext();
      const result = runHttpStep({ url: `${server.base}/status/${status}`, expect_status }, context, never);
      if (ok) await expect(result).resolves.toMatchObject({ status });
      else await expect(result).rejects.toBeInstanceOf(HttpStatusError);
    });
  }
});

describe("http step: failures", () => {
  async function failure(url: string, fields: { method?: string; expect_status?: number } = {}, secrets: string[] = []): Promise<HttpStatusError> {
    const { context } = recordingContext({ secrets });
    const error = await runHttpStep({ url, ...fields }, context, never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HttpStatusError);
    return error as HttpStatusError;
  }

  it("fails a 404 without retry, with method, URL, status, reason and the body", async () => {
    const error = await failure(`${server.base}/status/404`, { method: "DELETE" });
    expect(error.message).toBe(`DELETE ${server.base}/status/404 returned 404 Not Found (expected 2xx): status 404 body`);
    expect(error).toMatchObject({ retryable: false, status: 404, retryAfterSeconds: undefined });
  });

  it("names the accepted statuses in the message", async () => {
    const error = await failure(`${server.base}/status/200`, { expect_status: 201 });
    expect(error.message).toContain("returned 200 OK (expected 201)");
  });

  it("quotes only the first 1 KB of the body", async () => {
    const error = await failure(`${server.base}/status/400?size=5000`);
    expect(error.message).toContain(`: ${"E".repeat(1024)} …`);
    expect(error.message).not.toContain("E".repeat(1025));
  });

  it("masks secrets in the URL and the body of the message", async () => {
    const error = await failure(`${server.base}/status/403?token=s3cr3t&body=bad%20token%20s3cr3t`, {}, ["s3cr3t"]);
    expect(error.message).toBe(`GET ${server.base}/status/403?token=***&body=bad%20token%20*** returned 403 Forbidden (expected 2xx): bad token ***`);
  });

  for (const status of [500, 502, 503, 429]) {
    it(`fails a ${status} as retryable`, async () => {
      const error = await failure(`${server.base}/status/${status}`);
      expect(error).toMatchObject({ retryable: true, status });
    });
  }

  it("exposes Retry-After in seconds", async () => {
    expect((await failure(`${server.base}/status/429?retry_after=7`)).retryAfterSeconds).toBe(7);
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
    const fromDate = (await failure(`${server.base}/status/503?retry_after=${encodeURIComponent(inTwoMinutes)}`)).retryAfterSeconds;
    expect(fromDate).toBeGreaterThanOrEqual(118);
    expect(fromDate).toBeLessThanOrEqual(120);
  });

  it("reads Retry-After as seconds or an HTTP date, and ignores anything else", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("30", now)).toBe(30);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:01:30 GMT", now)).toBe(90);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it("fails a refused connection as retryable, naming the URL and the cause", async () => {
    const gone = await startServer(() => undefined);
    await gone.close();
    const { context } = recordingContext();
    const error = await runHttpStep({ url: `${gone.base}/x`, method: "POST", body: { a: 1 } }, context, never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StepError);
    expect(error).not.toBeInstanceOf(HttpStatusError);
    expect(error).toMatchObject({ retryable: true, message: `POST ${gone.base}/x failed: connection refused (ECONNREFUSED)` });
    expect((error as StepError).cause).toBeInstanceOf(Error);
  });

  it("fails an unknown host as retryable, saying it is a DNS problem", async () => {
    const { context } = recordingContext();
    const error = await runHttpStep({ url: "http://nomaflow-test.invalid/" }, context, never).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: true, message: expect.stringMatching(/^GET http:\/\/nomaflow-test\.invalid\/ failed: .*(DNS|EAI_AGAIN)/) });
  });

  it("fails when the server drops the connection mid-request, retryable", async () => {
    const rude = await startServer((request) => request.socket.destroy());
    try {
      const { context } = recordingContext();
      const error = await runHttpStep({ url: `${rude.base}/` }, context, never).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ retryable: true, message: expect.stringContaining(`GET ${rude.base}/ failed: `) });
    } finally {
      await rude.close();
    }
  });
});

describe("http step: cancellation", () => {
  it("aborts at once and closes the socket when the signal aborts", async () => {
    const arrived = new Promise<ReceivedRequest>((resolve) => (onSlow = resolve));
    const controller = new AbortController();
    const { context } = recordingContext();
    const result = runHttpStep({ url: `${server.base}/slow`, method: "POST", body: { a: 1 } }, context, controller.signal).catch((caught: unknown) => caught);
    const request = await arrived;
    const socketClosed = new Promise<void>((resolve) => request.socket.once("close", () => resolve()));
    const abortedAt = Date.now();
    controller.abort(new Error("step timed out after 30 s"));
    const error = await result;
    // Settles promptly (not after undici's own 300 s timeouts); generous for a loaded CI machine.
    expect(Date.now() - abortedAt).toBeLessThan(2000);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toBe(`POST ${server.base}/slow cancelled: step timed out after 30 s`);
    await socketClosed;
    expect(request.socket.destroyed).toBe(true);
  });

  it("does not send anything when the signal has already aborted", async () => {
    const before = server.requests.length;
    const { context } = recordingContext();
    const error = await runHttpStep({ url: `${server.base}/echo` }, context, AbortSignal.abort()).catch((caught: unknown) => caught);
    expect((error as StepError).message).toMatch(/^GET .* cancelled: /);
    expect(server.requests.length).toBe(before);
  });
});

describe("http step: output", () => {
  it("parses JSON content types, +json included", async () => {
    const { context } = recordingContext();
    expect((await runHttpStep({ url: `${server.base}/problem` }, context, never)).body).toEqual({ title: "fine" });
  });

  it("returns text for other content types", async () => {
    const { context } = recordingContext();
    expect(await runHttpStep({ url: `${server.base}/text` }, context, never)).toEqual({ status: 200, body: "hello\nworld\n", truncated: false });
  });

  it("returns the text of a body labelled JSON that does not parse", async () => {
    const { context } = recordingContext();
    expect((await runHttpStep({ url: `${server.base}/bad-json` }, context, never)).body).toBe("this is not JSON");
  });

  it("keeps the first 64 KB of a big body and says it was truncated", async () => {
    const { context } = recordingContext();
    const output = await runHttpStep({ url: `${server.base}/big` }, context, never);
    expect(output.truncated).toBe(true);
    expect(output.body).toBe("abcdefghij".repeat(20_000).slice(0, 64 * 1024));
  });

  it("returns a truncated JSON body as text", async () => {
    const { context } = recordingContext();
    const output = await runHttpStep({ url: `${server.base}/big?type=application/json` }, context, never);
    expect(output.truncated).toBe(true);
    expect(typeof output.body).toBe("string");
    expect((output.body as string).length).toBe(64 * 1024);
  });

  it("returns an empty string for an empty body", async () => {
    const { context } = recordingContext();
    expect(await runHttpStep({ url: `${server.base}/status/204?body=` }, context, never)).toEqual({ status: 204, body: "", truncated: false });
  });
});
