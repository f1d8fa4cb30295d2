/**
 * `nomaflow daemon --http 127.0.0.1:0` serving the console, on a project with a PostgreSQL state
 * store (so its cluster page has a daemon to show) and one job that runs in a blink.
 */
import { randomBytes } from "node:crypto";
import { startDaemon } from "../daemon/daemonProcess.js";
import { createDatabase } from "../support/postgres.js";
import { makeProject } from "../support/tempProject.js";

export interface DaemonConsole {
  url: string;
  token: string;
  pid: number;
  /** The daemon's `run_finished` lines so far. */
  runsFinished(): { job?: string; status?: unknown }[];
  /** SIGTERM (it must exit 0), then the project and the store's database removed (kept when `keep`). */
  stop(keep: boolean): Promise<void>;
}

export async function startDaemonConsole(): Promise<DaemonConsole> {
  const store = await createDatabase("console_store");
  const token = randomBytes(18).toString("base64url");
  const project = makeProject({
    "nomaflow.yaml": `connectors:
  store-db: { url: "${store.url}" }
state: { connector: store-db, schema: nomaflow }
`,
    "jobs/tick.yaml": `id: tick
description: Says it is alive, every five minutes.
tags: [heartbeat]
schedule: { cron: "*/5 * * * *", timezone: UTC }
steps:
  - { name: say, type: shell, command: "echo alive" }
`,
  });
  const daemon = startDaemon(project.root, ["--http", "127.0.0.1:0", "--grace", "1"], { env: { NOMAFLOW_CONSOLE_TOKEN: token } });
  const stop = async (keep: boolean) => {
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGTERM");
    const exited = await daemon.exited;
    await store.drop(keep);
    if (keep) console.log(`kept the daemon console's test project of a failed test: ${project.root}`);
    else project.remove();
    if (exited.code !== 0) throw new Error(`the daemon exited ${exited.code} (${exited.signal}); output:\n${daemon.output()}`);
  };
  try {
    const started = await daemon.waitFor((line) => line.event === "daemon_started", 30_000);
    return {
      url: `${started.http as string}/`,
      token,
      pid: daemon.child.pid!,
      runsFinished: () => daemon.events("run_finished"),
      stop,
    };
  } catch (error) {
    await stop(false).catch(() => {});
    throw error;
  }
}
