/**
 * `nomaflow console [--http HOST:PORT]`: the web console without the scheduler, for a laptop or a
 * host that only looks at a cluster's store. Runs started from it run in this process. The
 * console's modules are loaded here only, never at the CLI's start.
 */
import { parseListenAddress, startHttpServer } from "../../daemon/httpServer.js";
import { loadProject } from "../../project/loadProject.js";
import { killProcessGroupsNow } from "../../step-types/processGroup.js";
import { consoleRuns } from "../consoleRuns.js";
import { createOutput } from "../output.js";

export interface ConsoleCommandOptions {
  project?: string;
  /** @default "127.0.0.1:8080" */
  http?: string;
}

export const DEFAULT_CONSOLE_ADDRESS = "127.0.0.1:8080";
/** A console whose stop left something running still exits this soon. */
const EXIT_AFTER_STOP_MS = 2000;
/** How long runs going get to write their interrupted end when the console stops. */
const STOP_WAIT_MS = 10_000;

export async function consoleCommand(options: ConsoleCommandOptions): Promise<number> {
  const output = createOutput();
  const address = parseListenAddress(options.http ?? DEFAULT_CONSOLE_ADDRESS);
  // A wrong folder or env file is said now, not on the first page.
  loadProject({ projectDir: options.project });
  const { createConsoleApp } = await import("../../console/consoleApp.js");
  const runs = consoleRuns(options.project, output);
  const app = createConsoleApp({
    projectDir: options.project,
    servedBy: "console",
    startRun: runs.start,
    onError: (error) =>
      output.err(`nomaflow console: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
  });
  let server;
  try {
    server = await startHttpServer({ ...address, otherPaths: (request, response) => app.handle(request, response) });
  } catch (error) {
    await app.close();
    throw error;
  }
  output.out(`console: ${server.url}/`);
  void app.warmUp();

  let forced = false;
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (!stopping) {
        stopping = true;
        resolve(signal);
        return;
      }
      // A second signal: the runs going end now.
      forced = true;
      killProcessGroupsNow();
      void runs.forceStop();
    };
    let stopping = false;
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  await stopped;
  await server.close();
  if (runs.going > 0) {
    output.err(`stopping: interrupting ${runs.going} ${runs.going === 1 ? "run" : "runs"} started from the console`);
    await runs.stop(STOP_WAIT_MS);
  }
  await app.close();
  const code = forced ? 130 : 0;
  // A run's step that ignored its interrupt (or a connection left open) must not keep the process.
  setTimeout(() => process.exit(code), EXIT_AFTER_STOP_MS).unref();
  return code;
}
