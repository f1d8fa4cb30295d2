import { realpathSync } from "node:fs";
import { relative, isAbsolute } from "node:path";
import type { ConsoleApp } from "../../console/consoleApp.js";
import type { DaemonConsoleHooks, ServedConsole } from "../../daemon/daemonConsoleHooks.js";
import { parseListenAddress } from "../../daemon/httpServer.js";
import type { DaemonLogFormat } from "../../daemon/daemonLog.js";
import { runDaemon } from "../../daemon/runDaemon.js";
import { DAEMON_NODE_FLAGS } from "../../daemon/daemonNodeFlags.js";
import { systemdUnit } from "../../daemon/systemdUnit.js";
import { supportsTypeNotify } from "../../daemon/sdNotify.js";
import { loadProject } from "../../project/loadProject.js";
import { createOutput } from "../output.js";

export interface DaemonCommandOptions {
  project?: string;
  http?: string;
  /** Seconds. */
  grace: number;
  logFormat: DaemonLogFormat;
  maxRuns?: number;
  printSystemdUnit?: boolean;
}

/** A daemon whose stop left something running (a step ignoring its cancel) still exits this soon. */
const EXIT_AFTER_STOP_MS = 2000;

export async function daemonCommand(options: DaemonCommandOptions): Promise<number> {
  const http = options.http === undefined ? undefined : parseListenAddress(options.http);
  if (options.printSystemdUnit) {
    const project = loadProject({ projectDir: options.project });
    const root = realpathSync(project.root);
    const runsDir = project.config.runsDir;
    const outside = relative(project.root, runsDir);
    createOutput().out(
      systemdUnit({
        projectRoot: root,
        nomaflowCommand: [process.execPath, ...DAEMON_NODE_FLAGS, realpathSync(process.argv[1] ?? "nomaflow")],
        // Type=notify needs a systemd-notify that waits for the manager (systemd 246+).
        notify: supportsTypeNotify(),
        http: options.http,
        graceSeconds: options.grace,
        readWritePaths: outside.startsWith("..") || isAbsolute(outside) ? [runsDir] : [],
      }),
    );
    return 0;
  }
  const code = await runDaemon({
    projectDir: options.project,
    graceSeconds: options.grace,
    logFormat: options.logFormat,
    http,
    maxRuns: options.maxRuns,
    console: http ? (hooks) => serveConsole(options.project, hooks) : undefined,
  });
  setTimeout(() => process.exit(code), EXIT_AFTER_STOP_MS).unref();
  return code;
}

/**
 * The web console beside /healthz and /metrics. Its modules are loaded on the first request for it:
 * a daemon whose --http only Prometheus scrapes never loads them.
 */
function serveConsole(projectDir: string | undefined, hooks: DaemonConsoleHooks): Promise<ServedConsole> {
  let app: Promise<ConsoleApp> | undefined;
  const load = () =>
    (app ??= import("../../console/consoleApp.js").then(({ createConsoleApp }) =>
      createConsoleApp({
        projectDir,
        servedBy: "daemon",
        startRun: hooks.startRun,
        servingDaemon: hooks.self,
        checkedProject: hooks.project,
        onError: hooks.reportError,
      }),
    ));
  return Promise.resolve({
    handle: (request, response) => {
      load().then(
        (loaded) => loaded.handle(request, response),
        (error: unknown) => {
          hooks.reportError(error);
          request.resume();
          response.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end("the console could not be loaded; the daemon's log says why\n");
        },
      );
    },
    close: async () => {
      if (app) await (await app.catch(() => undefined))?.close();
    },
  });
}
