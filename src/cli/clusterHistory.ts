/**
 * The commands' side of the cluster's run history (CLUSTER.md). With `state` in nomaflow.yaml,
 * `runs`, `show` and `list` read the state store (every host's runs) besides this host's run
 * logs, and `nomaflow run` records its run there too. The store never fails a command that can
 * do without it: when it cannot be read, a warning names the connector and this host's logs are
 * shown; when a run could not be recorded, a warning says so and the run's status stands.
 */
import { describeDatabaseError } from "../connectors/connectionErrors.js";
import { ConfigError, ConnectorError, UsageError } from "../errors/nomaflowError.js";
import type { Project } from "../project/loadProject.js";
import type { RunEvent } from "../run-logs/runEvents.js";
import type { StatePool } from "../state/statePool.js";
import { StdoutClosed, type Output } from "./output.js";

/** How long `nomaflow run` waits, once its run is over, for the store to take the rest of its events. */
const RUN_FLUSH_MS = 2_000;

/** Whether the project keeps its history in a state store (the commands then show hosts). */
export function hasClusterHistory(project: Project): boolean {
  return project.config.state !== undefined;
}

function warnLocalOnly(output: Output, problem: string): void {
  output.err(`${output.errStyle.yellow("warning:")} ${problem}; showing the run logs of this host only`);
}

/**
 * Calls `read` with the state store, or returns undefined without calling it when the project has
 * no `state`, or with a warning when the store cannot be read (unreachable, not migrated): the
 * caller then shows the local logs. Errors of the command itself (a UsageError, stdout gone) and a
 * store newer than this nomaflow (a ConfigError) are thrown.
 */
export async function readClusterHistory<T>(project: Project, output: Output, read: (store: StatePool) => Promise<T>): Promise<T | undefined> {
  if (!project.config.state) return undefined;
  // Loaded only for a project with a store: `pg` costs a command without one about 40 ms.
  const [{ openStatePool }, { checkStateVersion }] = await Promise.all([import("../state/statePool.js"), import("../state/stateVersion.js")]);
  let store: StatePool;
  try {
    store = openStatePool(project, { max: 2, applicationName: "nomaflow:history" });
  } catch (error) {
    warnLocalOnly(output, `cannot read the run history from the state store: ${(error as Error).message}`);
    return undefined;
  }
  try {
    const version = await checkStateVersion(store);
    if (!version.ready) {
      warnLocalOnly(output, version.notReady!);
      return undefined;
    }
    return await read(store);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof StdoutClosed) throw error;
    // The version check already put a connection failure in the store's terms: its cause is the driver's error.
    const cause = error instanceof ConnectorError && error.cause !== undefined ? error.cause : error;
    warnLocalOnly(output, `cannot read the run history from the state store (connector ${store.connectorName}): ${describeDatabaseError(cause, store.server)}`);
    return undefined;
  } finally {
    await store.close().catch(() => {});
  }
}

/** Records one run in the store: every event as it comes, then `finish` flushes and says what was not written. */
export interface RunRecorder {
  record(event: RunEvent): void;
  /** Waits a little for the store; a warning to print when the run could not be recorded whole. */
  finish(): Promise<string | undefined>;
}

/** A recorder for a run of `nomaflow run` (no daemon), or undefined when the project has no `state`. */
export function recordRunInStore(project: Project): RunRecorder | undefined {
  const settings = project.config.state;
  if (!settings) return undefined;
  // The store's modules load beside the run (only for a project with a store); its first events wait for them.
  const waiting: RunEvent[] = [];
  let record: (event: RunEvent) => void = (event) => void waiting.push(event);
  const opened = openRunRecorder(project, settings.connector).then((recorder) => {
    record = recorder.record;
    for (const event of waiting.splice(0)) recorder.record(event);
    return recorder;
  });
  return { record: (event) => record(event), finish: async () => (await opened).finish() };
}

async function openRunRecorder(project: Project, connector: string): Promise<RunRecorder> {
  const notRecorded = (why: string) => `the run was not recorded whole in the state store (connector ${connector}): ${why}; its run log has every event`;
  const [{ openStatePool }, { RunHistoryWriter }] = await Promise.all([import("../state/statePool.js"), import("../state/runHistoryWriter.js")]);
  let store: StatePool;
  try {
    store = openStatePool(project, { connectTimeoutMs: RUN_FLUSH_MS, max: 1, applicationName: "nomaflow:run" });
  } catch (error) {
    return { record: () => {}, finish: () => Promise.resolve(notRecorded((error as Error).message)) };
  }
  let lastProblem: string | undefined;
  const writer = new RunHistoryWriter({
    pool: store.pool,
    schema: store.schema,
    daemonId: null,
    writeTimeoutMs: RUN_FLUSH_MS,
    // One line at the end says it all; every problem is kept, the last one said.
    onProblem: (message) => (lastProblem = message),
    problemIntervalMs: 0,
  });
  return {
    record: (event) => writer.record(event),
    finish: async () => {
      const outcome = await writer.close(RUN_FLUSH_MS);
      const dropped = writer.stats().eventsDropped;
      await store.close().catch(() => {});
      if (outcome.complete && dropped === 0) return undefined;
      const counts = [outcome.queuedEvents > 0 ? `${outcome.queuedEvents} events not written` : "", dropped > 0 ? `${dropped} dropped` : ""].filter(Boolean);
      return notRecorded(`${outcome.lastError ?? lastProblem ?? "the store did not answer in time"} (${counts.join(", ")})`);
    },
  };
}
