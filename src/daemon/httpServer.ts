/**
 * The daemon's `--http HOST:PORT` server: `/healthz` for load balancers and systemd-style probes,
 * `/metrics` for Prometheus. Both answer from callbacks, so the server holds no state of its own.
 * Every other path goes to `otherPaths` when given (the web console, which the CLI passes in).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isIP, type AddressInfo } from "node:net";
import { gzip } from "node:zlib";
import { UsageError } from "../errors/nomaflowError.js";

export interface DaemonHealth {
  /** The scheduler loop has not ticked for too long: /healthz answers 503. */
  stuck: boolean;
  /** Scheduled jobs. */
  jobs: number;
  /** The soonest fire of any job, `at` as ISO 8601; null when no job will fire. */
  nextFire: { job: string; at: string } | null;
  lastTickAgoMs: number;
  uptimeSeconds: number;
  /** With a state store: whether this daemon reaches it and holds its lease (503 while not). */
  store?: { up: boolean; name: string };
}

export interface HttpServerOptions {
  /** Address to listen on: an IP address or a host name (`127.0.0.1` keeps it to this machine). */
  host: string;
  /** 0 picks a free port; `url` then tells which. */
  port: number;
  /** Absent: /healthz answers `{"status":"ok"}` while the server listens (`nomaflow console`). */
  health?: () => DaemonHealth;
  /** The Prometheus text, rendered per request. Absent: /metrics is one of the other paths. */
  metrics?: () => string;
  /** Answers every other path (it must answer, and never throw); absent: 404. */
  otherPaths?: HttpHandler;
}

/** Answers one request. */
export type HttpHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface DaemonHttpServer {
  /** `http://HOST:PORT` with the port actually bound (no trailing slash). */
  url: string;
  /** Stops listening and drops open connections, keep-alive ones included. */
  close(): Promise<void>;
}

/** Text and JSON for machines: nothing in them may be framed, run or referred from. */
const PLAIN_ANSWER_HEADERS = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};
const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
/**
 * Bodies past this size are gzipped for clients that accept it (Prometheus does): 1,000 jobs make
 * about 1.7 MB of text, which compresses some twentyfold.
 */
const GZIP_FROM_BYTES = 8 * 1024;

export async function startHttpServer(options: HttpServerOptions): Promise<DaemonHttpServer> {
  const where = formatHostPort(options.host, options.port);
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new UsageError(`cannot serve HTTP on ${where}: the port must be a whole number from 0 to 65535`);
  }
  const server = createServer((request, response) => answer(request, response, options));
  // Scrapes and probes send a few headers and no body: anything slower is a stuck or hostile client.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await listen(server, options.host, options.port, where);
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${formatHostPort(address.address, address.port)}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

/**
 * Reads the `--http` value: `HOST:PORT`, with an IPv6 address in brackets (`[::1]:9464`). A bare
 * port is refused rather than guessed, since "this machine only" and "every interface" differ.
 */
export function parseListenAddress(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!match || host === undefined || port > 65535 || (match[1] !== undefined && isIP(match[1]) !== 6)) {
    throw new UsageError(`--http ${JSON.stringify(value)}: expected HOST:PORT, such as 127.0.0.1:9464, 0.0.0.0:9464 or [::1]:9464`, {
      hint: "127.0.0.1 serves this machine only, 0.0.0.0 every interface; port 0 picks a free port",
    });
  }
  return { host, port };
}

function answer(request: IncomingMessage, response: ServerResponse, options: HttpServerOptions): void {
  const path = pathOf(request.url);
  if (path !== "/healthz" && !(path === "/metrics" && options.metrics)) {
    if (options.otherPaths) return answerOther(request, response, options.otherPaths);
    request.resume();
    send(response, 404, "text/plain; charset=utf-8", "not found: try /healthz or /metrics\n");
    return;
  }
  request.resume();
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("Allow", "GET, HEAD");
    send(response, 405, "text/plain; charset=utf-8", `${request.method ?? "this method"} is not allowed here: use GET or HEAD\n`);
    return;
  }
  try {
    if (path === "/metrics" && options.metrics) {
      send(response, 200, PROMETHEUS_CONTENT_TYPE, options.metrics(), acceptsGzip(request));
      return;
    }
    if (!options.health) {
      send(response, 200, "application/json; charset=utf-8", `${JSON.stringify({ status: "ok" })}\n`);
      return;
    }
    const health = options.health();
    const storeDown = health.store?.up === false;
    const body = {
      status: health.stuck ? "stuck" : storeDown ? "store_unreachable" : "ok",
      jobs: health.jobs,
      next_fire: health.nextFire,
      last_tick_ago_ms: health.lastTickAgoMs,
      uptime_seconds: health.uptimeSeconds,
      state_store: health.store ? { up: health.store.up, store: health.store.name } : undefined,
    };
    send(response, health.stuck || storeDown ? 503 : 200, "application/json; charset=utf-8", `${JSON.stringify(body)}\n`);
  } catch (error) {
    // A bug behind a callback: answer it rather than drop the connection, and keep serving.
    const message = error instanceof Error ? error.message : String(error);
    send(response, 500, "application/json; charset=utf-8", `${JSON.stringify({ status: "error", error: message })}\n`);
  }
}

function answerOther(request: IncomingMessage, response: ServerResponse, handler: HttpHandler): void {
  try {
    handler(request, response);
  } catch (error) {
    // The handler answers its own errors; one that escapes still gets an answer, and the server goes on.
    request.resume();
    if (response.headersSent) response.destroy();
    else send(response, 500, "text/plain; charset=utf-8", `internal error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/** The path without its query; an absolute-form target (`GET http://host/metrics`) too. */
function pathOf(target: string | undefined): string {
  try {
    return new URL(target ?? "/", "http://localhost").pathname;
  } catch {
    return "";
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string, mayGzip = false): void {
  const headers = { "Content-Type": contentType, ...PLAIN_ANSWER_HEADERS };
  // Node leaves the body out of an answer to HEAD by itself; the headers stay those of GET.
  if (!mayGzip || Buffer.byteLength(body) < GZIP_FROM_BYTES) {
    response.writeHead(status, { ...headers, "Content-Length": Buffer.byteLength(body) });
    response.end(body);
    return;
  }
  // Asynchronously, so that compressing a large scrape does not hold up the scheduler's loop.
  gzip(body, (error, compressed) => {
    if (error) {
      response.writeHead(status, { ...headers, "Content-Length": Buffer.byteLength(body) });
      response.end(body);
      return;
    }
    response.writeHead(status, { ...headers, "Content-Encoding": "gzip", Vary: "Accept-Encoding", "Content-Length": compressed.length });
    response.end(compressed);
  });
}

/** Whether Accept-Encoding lists gzip without refusing it (`gzip;q=0`). */
function acceptsGzip(request: IncomingMessage): boolean {
  const accepted = request.headers["accept-encoding"] ?? "";
  return accepted.split(",").some((entry) => {
    const [coding, ...parameters] = entry.trim().toLowerCase().split(";");
    const quality = parameters.map((parameter) => /^\s*q=([\d.]+)\s*$/.exec(parameter)?.[1]).find((value) => value !== undefined);
    return (coding === "gzip" || coding === "x-gzip") && (quality === undefined || Number(quality) > 0);
  });
}

function listen(server: Server, host: string, port: number, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      reject(listenError(where, error));
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen({ host, port });
  });
}

const LISTEN_FAILURES: Record<string, string> = {
  EADDRINUSE: "the port is already in use by another process",
  EACCES: "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)",
  EADDRNOTAVAIL: "no network interface of this machine has that address",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name could not be resolved right now",
  EAFNOSUPPORT: "this machine does not support that address family",
};

function listenError(where: string, error: NodeJS.ErrnoException): UsageError {
  const reason = (error.code && LISTEN_FAILURES[error.code]) ?? error.message;
  return new UsageError(`cannot serve HTTP on ${where}: ${reason}${error.code ? ` (${error.code})` : ""}`, {
    cause: error,
    hint: "choose another address with --http HOST:PORT; port 0 picks a free port",
  });
}

function formatHostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
