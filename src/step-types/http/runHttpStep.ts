import { STATUS_CODES } from "node:http";
import { performance } from "node:perf_hooks";
import { Agent, request, type Dispatcher } from "undici";
import { StepError } from "../../errors/nomaflowError.js";
import { cancelledError } from "../cancelledError.js";
import { VERSION } from "../../identity/version.js";
import type { StepOutput, StepRunContext } from "../stepType.js";
import { HttpStatusError, parseRetryAfter } from "./httpStatusError.js";
import { defaultOf } from "../../schema/common.js";
import { httpFields, type HttpStepFields } from "./httpFields.js";
import { bodyExcerpt, bodyOutput, readCappedBody, type CappedBody } from "./responseBody.js";

/**
 * One agent for the whole process, so the steps of a job (and the jobs of a daemon) that call the
 * same host reuse keep-alive connections. Idle sockets do not keep the process alive. undici's
 * own 300 s header and body timeouts stay as a backstop for steps without a `timeout`.
 */
const agent = new Agent({ keepAliveTimeout: 10_000 });

/** How much of the body an error message quotes. */
const EXCERPT_BYTES = 1024;

type ExpectedStatus = number | string;

/** Sends the request, checks the status and returns `{ status, body, truncated }`. */
export async function runHttpStep(fields: HttpStepFields, context: StepRunContext, signal: AbortSignal): Promise<StepOutput> {
  const method = (fields.method ?? defaultOf(httpFields.properties.method)).toUpperCase();
  const shownUrl = context.mask(fields.url);
  if (!isHttpUrl(fields.url)) {
    throw new StepError(`url ${JSON.stringify(shownUrl)} is not an http:// or https:// URL`, { retryable: false });
  }
  const expected: ExpectedStatus[] = fields.expect_status === undefined ? ["2xx"] : [fields.expect_status].flat();
  const started = performance.now();
  const elapsed = () => `${Math.round(performance.now() - started)} ms`;

  let response: Dispatcher.ResponseData;
  let body: CappedBody;
  try {
    response = await request(fields.url, {
      dispatcher: agent,
      method: method as Dispatcher.HttpMethod,
      headers: requestHeaders(fields),
      body: requestBody(fields.body),
      signal,
    });
    body = await readCappedBody(response.body);
  } catch (error) {
    if (signal.aborted) {
      context.log("debug", `${method} ${shownUrl} → cancelled after ${elapsed()}`);
      throw cancelledError(`${method} ${shownUrl}`, signal);
    }
    const failure = describeNetworkError(error);
    context.log("debug", `${method} ${shownUrl} → ${failure.code ?? "failed"} after ${elapsed()}`);
    throw new StepError(`${method} ${shownUrl} failed: ${context.mask(failure.text)}`, { cause: error, retryable: failure.retryable });
  }
  const status = response.statusCode;
  context.log("debug", `${method} ${shownUrl} → ${status} in ${elapsed()}`);

  if (!expected.some((accepted) => statusMatches(status, accepted))) {
    const reason = response.statusText || STATUS_CODES[status] || "";
    const excerpt = context.mask(bodyExcerpt(body, EXCERPT_BYTES));
    throw new HttpStatusError(
      `${method} ${shownUrl} returned ${status}${reason ? ` ${reason}` : ""} (expected ${expected.join(", ")})${excerpt ? `: ${excerpt}` : ""}`,
      { status, retryAfterSeconds: parseRetryAfter(response.headers["retry-after"]) },
    );
  }
  // undici puts the connection back in the pool just after the body ends; letting that happen
  // before the step settles means the next step to the same host reuses it.
  await new Promise((resolve) => setImmediate(resolve));
  return { status, body: bodyOutput(body, response.headers["content-type"]), truncated: body.truncated };
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function requestHeaders(fields: HttpStepFields): Record<string, string> {
  const headers = { ...fields.headers };
  if (!hasHeader(headers, "user-agent")) headers["user-agent"] = `nomaflow/${VERSION}`;
  if (fields.body !== undefined && typeof fields.body !== "string" && !hasHeader(headers, "content-type")) {
    headers["content-type"] = "application/json";
  }
  return headers;
}

function requestBody(body: HttpStepFields["body"]): string | undefined {
  if (body === undefined || typeof body === "string") return body;
  return JSON.stringify(body);
}

/** `accepted` is a code (201) or a class ("2xx"). */
function statusMatches(status: number, accepted: ExpectedStatus): boolean {
  return typeof accepted === "number" ? status === accepted : Math.floor(status / 100) === Number(accepted[0]);
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by the server",
  EPIPE: "connection closed by the server while sending",
  UND_ERR_SOCKET: "the server closed the connection",
  ENOTFOUND: "host not found (DNS)",
  EAI_AGAIN: "DNS lookup failed (temporary)",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_HEADERS_TIMEOUT: "no response headers within 300 s",
  UND_ERR_BODY_TIMEOUT: "the response body stalled for 300 s",
};

/** Errors another try cannot fix: a bad certificate, or a header value undici refuses to send. */
const PERMANENT = /^(?:CERT_|ERR_TLS_CERT|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_|UND_ERR_INVALID_ARG$|ERR_INVALID_)/;

/** A plain description of a network error; the code is looked for on the error and its causes. */
function describeNetworkError(error: unknown): { text: string; code: string | undefined; retryable: boolean } {
  const code = findCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === undefined) return { text: message, code, retryable: true };
  const plain = NETWORK_ERRORS[code];
  if (plain) return { text: `${plain} (${code})`, code, retryable: true };
  return { text: message.includes(code) ? message : `${message} (${code})`, code, retryable: !PERMANENT.test(code) };
}

function findCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const { code } = current as { code?: unknown };
    if (typeof code === "string") return code;
    const nested = current instanceof AggregateError ? (current.errors[0] as unknown) : current.cause;
    current = nested;
  }
  return undefined;
}
