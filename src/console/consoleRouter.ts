/**
 * Which handler answers a request: paths are matched segment by segment (`api/jobs/:id`), the
 * method picked among the path's (HEAD as GET), and whatever a handler throws is answered: an
 * HttpRefusal with its status, a user error of the project's (UsageError…) with 400, anything else
 * with 500, and the server goes on serving.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { NomaflowError, UsageError } from "../errors/nomaflowError.js";
import { HttpRefusal, sendRefusal } from "./httpAnswers.js";

export type Method = "GET" | "POST" | "DELETE";

export interface RequestContext {
  request: IncomingMessage;
  response: ServerResponse;
  /** The values of the path's `:name` segments, decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The path relative to the console's root, without a leading slash. */
  path: string;
}

export type Handler = (context: RequestContext) => Promise<void> | void;

interface Route {
  segments: string[];
  methods: Partial<Record<Method, Handler>>;
}

export class ConsoleRouter {
  readonly #routes: Route[] = [];
  /** Answers GET for paths no route has (the page's files), when it says it has them. */
  #files: { has: (path: string) => boolean; handler: Handler } | undefined;
  /** Called with what a handler threw that was not the visitor's fault. */
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void = () => {}) {
    this.#onError = onError;
  }

  add(pattern: string, methods: Partial<Record<Method, Handler>>): this {
    this.#routes.push({ segments: pattern.split("/"), methods });
    return this;
  }

  files(has: (path: string) => boolean, handler: Handler): this {
    this.#files = { has, handler };
    return this;
  }

  handle(request: IncomingMessage, response: ServerResponse): void {
    void this.#answer(request, response).catch((error: unknown) => this.#fail(request, response, error));
  }

  async #answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let url: URL;
    let segments: string[];
    try {
      url = new URL(request.url ?? "/", "http://console.invalid");
      segments = url.pathname.slice(1).split("/").map(decodeURIComponent);
    } catch {
      throw new HttpRefusal(400, "the request's path cannot be read");
    }
    const path = segments.join("/");
    const method = request.method === "HEAD" ? "GET" : (request.method ?? "GET");
    for (const route of this.#routes) {
      const params = match(route.segments, segments);
      if (!params) continue;
      const handler = route.methods[method as Method];
      if (!handler) {
        request.resume();
        const allowed = Object.keys(route.methods).flatMap((name) => (name === "GET" ? ["GET", "HEAD"] : [name]));
        throw new HttpRefusal(405, `${request.method} is not allowed on ${path}: use ${allowed.join(" or ")}`, { headers: { Allow: allowed.join(", ") } });
      }
      await handler({ request, response, params, query: url.searchParams, path });
      return;
    }
    if (this.#files?.has(path)) {
      request.resume();
      if (method !== "GET") throw new HttpRefusal(405, `${request.method} is not allowed on the page's files: use GET`, { headers: { Allow: "GET, HEAD" } });
      await this.#files.handler({ request, response, params: {}, query: url.searchParams, path });
      return;
    }
    request.resume();
    throw new HttpRefusal(404, `not found: ${path.slice(0, 200)}`, {
      hint: path.startsWith("api/") ? "the console's API is under api/: info, jobs, runs, connectors, cron, cluster" : null,
    });
  }

  #fail(request: IncomingMessage, response: ServerResponse, error: unknown): void {
    request.resume();
    if (response.headersSent) {
      // A stream already under way (a live run): it ends, the page opens it again.
      if (!(error instanceof HttpRefusal)) this.#onError(error);
      response.destroy();
      return;
    }
    if (error instanceof HttpRefusal) return sendRefusal(response, error);
    // The visitor's mistake (a bad value) is a 400; the project's (an unreadable env file) is the server's.
    if (error instanceof UsageError) return sendRefusal(response, new HttpRefusal(400, error.message, { hint: error.hint ?? null }));
    if (error instanceof NomaflowError) return sendRefusal(response, new HttpRefusal(500, error.message, { hint: error.hint ?? null }));
    this.#onError(error);
    sendRefusal(
      response,
      new HttpRefusal(500, `internal error: ${error instanceof Error ? error.message : String(error)}`, {
        hint: "please report it; the console goes on serving",
      }),
    );
  }
}

function match(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index++) {
    const want = pattern[index]!;
    const got = segments[index]!;
    if (want.startsWith(":")) {
      if (got === "") return undefined;
      params[want.slice(1)] = got;
    } else if (want !== got) return undefined;
  }
  return params;
}
