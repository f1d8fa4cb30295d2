/**
 * `nomaflow daemon --http 127.0.0.1:0` serving the console, on a project with a PostgreSQL state
 * store shared with a second daemon (another copy of the project: another host), so that the
 * cluster page has daemons to show; one job that runs in a blink.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { startDaemon, type DaemonProcess } from "../daemon/daemonProcess.js";
import { createDatabase } from "../support/postgres.js";
import { makeProject } from "../support/tempProject.js";

export interface DaemonConsole {
  url: string;
  token: string;
  /** The serving daemon's pid, and the other one's. */
  pids: number[];
  /** The serving daemon's `run_finished` lines so far. */
  runsFinished(): { job?: string; status?: unknown }[];
  /** SIGTERM to both (each must exit 0), then the projects and the store's database removed (kept when `keep`). */
  stop(keep: boolean): Promise<void>;
}

const PROJECT_NAME = "ops-cluster";

export async function startDaemonConsole(): Promise<DaemonConsole> {
  const store = await createDatabase("console_store");
  const token = randomBytes(18).toString("base64url");
  const files = {
    [`${PROJECT_NAME}/nomaflow.yaml`]: `connectors:
  store-db: { url: "${store.url}" }
state: { connector: store-db, schema: nomaflow, heartbeat_seconds: 2, lease_seconds: 6 }
`,
    [`${PROJECT_NAME}/jobs/tick.yaml`]: `id: tick
description: Says it is alive, every five minutes.
tags: [heartbeat]
schedule: { cron: "*/5 * * * *", timezone: UTC }
steps:
  - { name: say, type: shell, command: "echo alive" }
`,
  };
  const hosts = [makeProject(files), makeProject(files)];
  const daemons: DaemonProcess[] = [
    startDaemon(join(hosts[0]!.root, PROJECT_NAME), ["--http", "127.0.0.1:0", "--grace", "1"], { env: { NOMAFLOW_CONSOLE_TOKEN: token } }),
    startDaemon(join(hosts[1]!.root, PROJECT_NAME), ["--grace", "1"]),
  ];
  const stop = async (keep: boolean) => {
    for (const daemon of daemons) if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGTERM");
    const exits = await Promise.all(daemons.map((daemon) => daemon.exited));
    await store.drop(keep);
    for (const host of hosts) {
      if (keep) console.log(`kept the daemon console's test project of a failed test: ${host.root}`);
      else host.remove();
    }
    exits.forEach((exited, index) => {
      if (exited.code !== 0) throw new Error(`daemon ${index + 1} exited ${exited.code} (${exited.signal}); output:\n${daemons[index]!.output()}`);
    });
  };
  try {
    const [serving] = await Promise.all(daemons.map((daemon) => daemon.waitFor((line) => line.event === "daemon_started", 30_000)));
    return {
      url: `${serving!.http as string}/`,
      token,
      pids: daemons.map((daemon) => daemon.child.pid!),
      runsFinished: () => daemons[0]!.events("run_finished"),
      stop,
    };
  } catch (error) {
    await stop(false).catch(() => {});
    throw error;
  }
}
