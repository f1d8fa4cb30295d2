/**
 * How the console answers over HTTP: the security headers on every answer, JSON bodies, errors as
 * `ApiError`, and request bodies read within a limit. A refusal is thrown as an HttpRefusal and
 * answered once, by the router.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzip } from "node:zlib";
import type { ApiError, FieldProblem } from "./consoleApi.js";

/** Nothing from outside the process, nothing inline, no framing (the page builds its DOM with textContent). */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};

/** The largest request body the console reads: a run's parameters, a token. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A request the console refuses, with its status and what to tell the visitor. */
export class HttpRefusal extends Error {
  readonly status: number;
  readonly hint: string | null;
  readonly problems: FieldProblem[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    message: string,
    options: { hint?: string | null; problems?: FieldProblem[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.hint = options.hint ?? null;
    this.problems = options.problems;
    this.headers = options.headers ?? {};
  }
}

export function sendBody(response: ServerResponse, status: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": contentType, "Content-Length": Buffer.byteLength(body), ...headers });
  response.end(body);
}

/**
 * Bodies past this size are gzipped for a client that accepts it (browsers do): the catalogue of
 * 1,000 jobs is about 3 MB of JSON, a tenth of that compressed; compressing runs off the event loop.
 */
const GZIP_FROM_BYTES = 8 * 1024;

export function sendJson(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(response, status, JSON.stringify(value), headers);
}

/** JSON already written as text. */
export function sendJsonText(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  const allHeaders = { "Cache-Control": "no-store", ...headers };
  if (body.length < GZIP_FROM_BYTES || !acceptsGzip(response.req)) {
    sendBody(response, status, "application/json; charset=utf-8", body, allHeaders);
    return;
  }
  gzip(body, { level: 4 }, (error, compressed) => {
    if (error) sendBody(response, status, "application/json; charset=utf-8", body, allHeaders);
    else sendBody(response, status, "application/json; charset=utf-8", compressed, { ...allHeaders, "Content-Encoding": "gzip", Vary: "Accept-Encoding" });
  });
}

/**
 * Whether the request's If-None-Match names `etag` (a page asking again for what it has): the
 * answer is then a 304 without a body.
 */
export function hasEtag(request: IncomingMessage, etag: string): boolean {
  const given = request.headers["if-none-match"];
  if (given === undefined) return false;
  return given.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed === etag || trimmed === `W/${etag}`;
  });
}

/** 304: what the page has is what it would get. */
export function sendNotModified(response: ServerResponse, etag: string): void {
  response.writeHead(304, { ...SECURITY_HEADERS, ETag: etag, "Cache-Control": "no-store" });
  response.end();
}

/** Whether Accept-Encoding lists gzip without refusing it (`gzip;q=0`). */
function acceptsGzip(request: IncomingMessage | undefined): boolean {
  const accepted = request?.headers["accept-encoding"] ?? "";
  return accepted.split(",").some((entry) => {
    const [coding, ...parameters] = entry.trim().toLowerCase().split(";");
    const quality = parameters.map((parameter) => /^\s*q=([\d.]+)\s*$/.exec(parameter)?.[1]).find((found) => found !== undefined);
    return (coding === "gzip" || coding === "x-gzip") && (quality === undefined || Number(quality) > 0);
  });
}

export function sendRefusal(response: ServerResponse, refusal: HttpRefusal): void {
  const body: ApiError = { error: refusal.message, hint: refusal.hint, ...(refusal.problems ? { problems: refusal.problems } : {}) };
  sendJson(response, refusal.status, body, { ...refusal.headers });
}

/**
 * The JSON object a POST carries, read to its end within MAX_BODY_BYTES.
 * @throws HttpRefusal 415 (not application/json), 413 (too large), 400 (not a JSON object)
 */
export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    request.resume();
    throw new HttpRefusal(415, `the body must be application/json, not ${type === "" ? "without a Content-Type" : type}`, {
      hint: "send Content-Type: application/json",
    });
  }
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge(request);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge(request);
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new HttpRefusal(400, `the body is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new HttpRefusal(400, "the body must be a JSON object");
  return value as Record<string, unknown>;
}

/** The rest of the body is not read: the connection closes after the answer. */
function tooLarge(request: IncomingMessage): HttpRefusal {
  request.pause();
  return new HttpRefusal(413, `the body is larger than ${MAX_BODY_BYTES / 1024} KB`, { headers: { Connection: "close" } });
}
