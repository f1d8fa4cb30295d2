/**
 * The web console as one request handler, for `nomaflow console` and `nomaflow daemon --http` alike:
 * the page's files and the JSON API of consoleApi.ts. It reads through ConsolePages and acts only
 * through what its caller passes in (`startRun`), so that a run started here runs as the caller's
 * runs do: in this process as `nomaflow run`, or through the daemon's launcher.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { hostname } from "node:os";
import { basename } from "node:path";
import { UsageError } from "../errors/nomaflowError.js";
import type { IsAlive } from "../files/processIsAlive.js";
import { VERSION } from "../identity/version.js";
import { requireEnvironment } from "../runner/requiredEnvironment.js";
import { checkParamValues } from "../runner/parseParams.js";
import { clusterView } from "./clusterView.js";
import type { DaemonSelf } from "../state/clusterDaemons.js";
import type { ConsoleInfo, RunStarted } from "./consoleApi.js";
import { consoleAssetsDir } from "./consoleAssetsDir.js";
import { ConsolePages } from "./consolePages.js";
import { ConsoleRouter, type RequestContext } from "./consoleRouter.js";
import { actionsState, ConsoleSessions, isSecure, TOKEN_VARIABLE } from "./consoleSession.js";
import { connectorViews, testConnector } from "./connectorsView.js";
import { cronPreview } from "./cronPreview.js";
import { hasEtag, HttpRefusal, readJsonBody, sendJson, sendJsonText, sendNotModified } from "./httpAnswers.js";
import { DEFAULT_HISTORY, MAX_HISTORY } from "./jobHistory.js";
import { LiveStreams, streamRun } from "./liveRun.js";
import { locateRun, readRunDetail } from "./runLocator.js";
import { StaticAssets } from "./staticAssets.js";
import type { WatchedProjectOptions } from "./watchedProject.js";

/** Starts a run of the job with its parameters typed and checked; throws a UsageError when it cannot start now. */
export type ConsoleRunStarter = (jobId: string, params: Record<string, unknown>) => Promise<{ runId: string }>;

export interface ConsoleAppOptions {
  /** `-C DIR`. */
  projectDir?: string;
  /** @default process.cwd() */
  cwd?: string;
  /** Where the token and `${env:…}` are read first. @default process.env */
  processEnv?: NodeJS.ProcessEnv;
  servedBy: "daemon" | "console";
  startRun: ConsoleRunStarter;
  /** The daemon serving the console, for the cluster page without a store. */
  servingDaemon?: () => DaemonSelf;
  /** The project as the daemon serving the console keeps it checked; default: loaded here, and again when its files change. */
  checkedProject?: WatchedProjectOptions["checkedBy"];
  /** The page's built files. @default consoleAssetsDir() */
  assetsDir?: string;
  /** Live run streams open at once, at most. @default 100 */
  maxLiveStreams?: number;
  isAlive?: IsAlive;
  /** @default Date.now */
  now?: () => number;
  /** Told of what a handler threw that was a bug (answered 500). */
  onError?: (error: unknown) => void;
}

export interface ConsoleApp {
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Live streams open now. */
  readonly liveStreams: number;
  /** Checks the project and reads the runs the catalogue shows, so that the first visitor does not wait for it. */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

export function createConsoleApp(options: ConsoleAppOptions): ConsoleApp {
  const now = options.now ?? Date.now;
  const pages = new ConsolePages({
    projectDir: options.projectDir,
    cwd: options.cwd ?? process.cwd(),
    processEnv: options.processEnv,
    checkedBy: options.checkedProject,
    isAlive: options.isAlive,
    now,
  });
  const sessions = new ConsoleSessions(now);
  const assets = new StaticAssets(options.assetsDir ?? consoleAssetsDir());
  const live = new LiveStreams(options.maxLiveStreams ?? 100);
  const project = async () => (await pages.watched.current()).project;
  const tokenOf = async () => (await project()).environment.values[TOKEN_VARIABLE];

  const info = async ({ request }: RequestContext, sessionId?: string | null): Promise<ConsoleInfo> => {
    const current = await project();
    const token = current.environment.values[TOKEN_VARIABLE];
    const session = sessionId === null ? undefined : (sessionId ?? sessions.sessionOf(request, token));
    return {
      version: VERSION,
      project: basename(current.root),
      host: hostname(),
      servedBy: options.servedBy,
      store: await pages.store.describe(current),
      actions: actionsState(token),
      signedIn: session !== undefined,
      csrf: session === undefined ? null : sessions.csrfOf(session),
    };
  };

  const router = new ConsoleRouter(options.onError)
    .files(
      (path) => assets.has(path),
      ({ path, request, response }) => assets.serve(path, request, response),
    )
    .add("api/info", { GET: async (context) => sendJson(context.response, 200, await info(context)) })
    .add("api/session", {
      POST: async (context) => {
        sessions.requireSameOrigin(context.request);
        const body = await readJsonBody(context.request);
        const id = sessions.signIn(context.request.socket.remoteAddress ?? "unknown", body.token, await tokenOf());
        sendJson(context.response, 200, await info(context, id), { "Set-Cookie": sessions.cookie(id, isSecure(context.request)) });
      },
      DELETE: async (context) => {
        const id = sessions.requireAction(context.request, await tokenOf());
        context.request.resume();
        sessions.signOut(id);
        sendJson(context.response, 200, await info(context, null), { "Set-Cookie": sessions.clearedCookie(isSecure(context.request)) });
      },
    })
    .add("api/jobs", {
      GET: async ({ request, response }) => {
        const { body, etag } = await pages.taggedCatalogue();
        if (hasEtag(request, etag)) sendNotModified(response, etag);
        else sendJsonText(response, 200, body, { ETag: etag });
      },
    })
    .add("api/jobs/:id", { GET: async ({ response, params }) => sendJson(response, 200, await pages.jobDetail(params.id!)) })
    .add("api/jobs/:id/history", {
      GET: async ({ response, params, query }) => sendJson(response, 200, await pages.history(params.id!, historyLimit(query.get("limit")))),
    })
    .add("api/jobs/:id/runs", {
      POST: async ({ request, response, params }) => {
        sessions.requireAction(request, await tokenOf());
        const body = await readJsonBody(request);
        const started = await startRun(params.id!, body);
        sendJson(response, 202, started);
      },
    })
    .add("api/runs/:runId", {
      GET: async ({ response, params }) => sendJson(response, 200, await readRunDetail(params.runId!, await pages.location(), pages.isAlive)),
    })
    .add("api/runs/:runId/live", {
      GET: async ({ request, response, params }) => {
        request.resume();
        const release = live.take();
        try {
          const location = await pages.location();
          await streamRun(await locateRun(params.runId!, location), location, response, { isAlive: pages.isAlive });
        } finally {
          release();
        }
      },
    })
    .add("api/connectors", { GET: async ({ response }) => sendJson(response, 200, connectorViews(await project())) })
    .add("api/connectors/:name/test", {
      POST: async ({ request, response, params }) => {
        sessions.requireAction(request, await tokenOf());
        if (hasBody(request)) await readJsonBody(request);
        else request.resume();
        sendJson(response, 200, await testConnector(await project(), params.name!));
      },
    })
    .add("api/cron", { GET: ({ response, query }) => sendJson(response, 200, cronPreview(query, now())) })
    .add("api/cluster", { GET: async ({ response }) => sendJson(response, 200, await clusterView(await project(), pages.store, options.servingDaemon)) });

  /** Run now: the form's text values checked as `run -p` checks them, every refused field named. */
  const startRun = async (jobId: string, body: Record<string, unknown>): Promise<RunStarted> => {
    const given = body.params ?? {};
    if (given === null || typeof given !== "object" || Array.isArray(given))
      throw new HttpRefusal(400, "params must be an object of parameter names to text values");
    const values = new Map<string, string>();
    for (const [name, value] of Object.entries(given)) {
      if (typeof value !== "string")
        throw new HttpRefusal(400, `parameter ${name} must be given as text`, { problems: [{ field: name, message: "must be given as text" }] });
      // An emptied field stands for no value: the parameter's default, or "required".
      if (value !== "") values.set(name, value);
    }
    const { job, loaded } = await pages.validJob(jobId);
    const { params, problems } = checkParamValues(job, values);
    if (problems.length > 0) {
      throw new HttpRefusal(400, problems.length === 1 ? problems[0]!.error.message : `${problems.length} parameters are refused`, {
        hint: problems.length === 1 ? (problems[0]!.error.hint ?? null) : null,
        problems: problems.map((problem) => ({ field: problem.param, message: problem.error.message })),
      });
    }
    requireEnvironment(loaded.project, job);
    try {
      return { runId: (await options.startRun(jobId, params)).runId };
    } catch (error) {
      if (error instanceof UsageError) throw new HttpRefusal(409, error.message, { hint: error.hint ?? null, cause: error });
      throw error;
    }
  };

  return {
    handle: (request, response) => router.handle(request, response),
    get liveStreams() {
      return live.open;
    },
    // A problem is the first page's to tell.
    warmUp: () =>
      pages.taggedCatalogue().then(
        () => undefined,
        () => undefined,
      ),
    close: () => pages.close(),
  };
}

function historyLimit(text: string | null): number {
  if (text === null || text === "") return DEFAULT_HISTORY;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY) throw new HttpRefusal(400, `limit must be a whole number from 1 to ${MAX_HISTORY}`);
  return limit;
}

function hasBody(request: IncomingMessage): boolean {
  return request.headers["transfer-encoding"] !== undefined || Number(request.headers["content-length"] ?? 0) > 0;
}
