/**
 * The console's request handler on a real HTTP server on 127.0.0.1, with a folder of page files of
 * the test's own making (the page's build is another matter), and a client that keeps its cookie.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createConsoleApp, type ConsoleApp, type ConsoleAppOptions, type ConsoleRunStarter } from "../../src/console/consoleApp.js";
import { loadProject } from "../../src/project/loadProject.js";
import { startRun, type RunResult } from "../../src/runner/startRun.js";
import { checkJob } from "../../src/validate/checkProject.js";

export const TEST_PAGE =
  '<!doctype html><html><head><link rel="stylesheet" href="assets/console.css"><script src="assets/console.js" defer></script></head><body></body></html>\n';

export interface ConsoleForTest {
  url: string;
  root: string;
  app: ConsoleApp;
  /** The runs started through the console, by run id. */
  runs: Map<string, Promise<RunResult>>;
  close(): Promise<void>;
}

/** Runs in this process, as `nomaflow console` runs them. */
export function inProcessRuns(root: string, processEnv: NodeJS.ProcessEnv, runs: Map<string, Promise<RunResult>>): ConsoleRunStarter {
  return async (jobId, params) => {
    const project = loadProject({ projectDir: root, cwd: root, processEnv });
    const job = await checkJob(project, jobId);
    const handle = startRun({ project, job, params, trigger: "manual" });
    runs.set(handle.runId, handle.result);
    return { runId: handle.runId };
  };
}

export async function startConsoleForTest(
  root: string,
  options: Partial<ConsoleAppOptions> & { processEnv?: NodeJS.ProcessEnv } = {},
): Promise<ConsoleForTest> {
  const assetsDir = join(root, ".test-console-assets");
  mkdirSync(join(assetsDir, "assets"), { recursive: true });
  writeFileSync(join(assetsDir, "index.html"), TEST_PAGE);
  writeFileSync(join(assetsDir, "assets", "console.js"), "document.body.dataset.ready = 'true';\n");
  writeFileSync(join(assetsDir, "assets", "console.css"), "body { font-family: system-ui; }\n");
  const processEnv = options.processEnv ?? {};
  const runs = new Map<string, Promise<RunResult>>();
  const errors: unknown[] = [];
  const app = createConsoleApp({
    projectDir: root,
    cwd: root,
    processEnv,
    servedBy: "console",
    assetsDir,
    startRun: inProcessRuns(root, processEnv, runs),
    onError: (error) => errors.push(error),
    ...options,
  });
  const server = createServer((request, response) => app.handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    root,
    app,
    runs,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.allSettled(runs.values());
      await app.close();
      if (errors.length > 0) throw new Error(`the console reported internal errors: ${errors.map(String).join("; ")}`);
    },
  };
}

/** fetch with the console's session cookie kept between calls, as a browser keeps it. */
export class CookieClient {
  cookie: string | undefined;
  csrf: string | null = null;

  constructor(readonly base: string) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set("Cookie", this.cookie);
    const response = await fetch(new URL(path, this.base), { ...init, headers });
    const setCookie = response.headers.get("set-cookie");
    if (setCookie) this.cookie = setCookie.split(";")[0]!.endsWith("=") ? undefined : setCookie.split(";")[0];
    return response;
  }

  async signIn(token: string): Promise<Response> {
    const response = await this.fetch("api/session", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token }) });
    if (response.ok) this.csrf = ((await response.clone().json()) as { csrf: string }).csrf;
    return response;
  }

  /** A POST as the page sends it: JSON, the CSRF token, from the console's own origin. */
  post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return this.fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(this.csrf ? { "X-CSRF-Token": this.csrf } : {}), Origin: new URL(this.base).origin, ...headers },
      body: JSON.stringify(body),
    });
  }
}

/** The `run` events of a live stream until `end` (or the stream closes), each a parsed RunDetail, and when each arrived. */
export async function readLiveRun<T>(response: Response): Promise<{ runs: T[]; arrivals: number[]; ended: boolean }> {
  const runs: T[] = [];
  const arrivals: number[] = [];
  let ended = false;
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let split = pending.indexOf("\n\n");
    while (split >= 0) {
      const block = pending.slice(0, split);
      pending = pending.slice(split + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event === "run" && data) {
        runs.push(JSON.parse(data) as T);
        arrivals.push(Date.now());
      }
      if (event === "end") ended = true;
      split = pending.indexOf("\n\n");
    }
  }
  return { runs, arrivals, ended };
}
