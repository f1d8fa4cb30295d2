/**
 * `GET api/cluster`: the daemons sharing the state store, as `nomaflow cluster` lists them; without
 * a store, the daemon serving the console alone (or nobody, for `nomaflow console`).
 */
import type { Project } from "../project/loadProject.js";
import type { ClusterDaemon, DaemonSelf } from "../state/clusterDaemons.js";
import type { ClusterView } from "./consoleApi.js";
import type { ConsoleStore } from "./consoleStore.js";
import { HttpRefusal } from "./httpAnswers.js";

export async function clusterView(project: Project, store: ConsoleStore, self: (() => DaemonSelf) | undefined): Promise<ClusterView> {
  if (!project.config.state) {
    const daemon = self?.();
    return {
      store: null,
      daemons: daemon
        ? [
            {
              id: `${daemon.host}:${daemon.pid}`,
              host: daemon.host,
              pid: daemon.pid,
              version: daemon.version,
              revision: null,
              startedAt: new Date(daemon.startedAt).toISOString(),
              heartbeatAgoMs: 0,
              runs: daemon.runsGoing,
              maxRuns: daemon.maxRuns,
              lease: "alive",
            },
          ]
        : [],
    };
  }
  const { readClusterDaemons } = await import("../state/clusterDaemons.js");
  const listed = await store.read(project, (pool) => readClusterDaemons(pool));
  if (!listed) throw new HttpRefusal(503, store.problem ?? "the state store could not be read", { hint: "the daemons are listed again once it answers" });
  return { store: await store.describe(project), daemons: listed.daemons.map(daemonView) };
}

function daemonView(daemon: ClusterDaemon): ClusterView["daemons"][number] {
  return {
    id: daemon.id,
    host: daemon.host,
    pid: daemon.pid,
    version: daemon.version,
    revision: daemon.projectRevision,
    startedAt: daemon.startedAt.toISOString(),
    heartbeatAgoMs: Math.round(daemon.heartbeatAgeMs),
    runs: daemon.lease === "dead" ? 0 : daemon.runsGoing,
    maxRuns: daemon.maxRuns,
    lease: daemon.lease,
  };
}
