/**
 * The daemon's side of `state:`: the store's pool opened, its tables brought up to this version
 * (under the migration lock, so daemons starting together migrate once), this daemon's identity,
 * the cluster fire store on top, and the writer of its runs' history.
 */
import { hostname } from "node:os";
import { VERSION } from "../../identity/version.js";
import type { Project } from "../../project/loadProject.js";
import { migrateState } from "../../state/migrateState.js";
import { RunHistoryWriter } from "../../state/runHistoryWriter.js";
import { openStatePool, type StatePool } from "../../state/statePool.js";
import type { Clock } from "../clock.js";
import type { DaemonLog } from "../daemonLog.js";
import { ClusterFireStore } from "./clusterFireStore.js";
import { definitionsHash, projectRevision } from "./projectRevision.js";

export interface ClusterStoreOptions {
  clock: Clock;
  log: DaemonLog;
  maxRuns: number | undefined;
  onLeaseLost: () => void;
}

export interface OpenedClusterStore {
  store: ClusterFireStore;
  pool: StatePool;
  /** Every run's events, into the store's history in batches (the launcher feeds it). */
  history: RunHistoryWriter;
}

export async function openClusterStore(project: Project, options: ClusterStoreOptions): Promise<OpenedClusterStore> {
  const state = project.config.state!;
  const pool = openStatePool(project);
  try {
    const migrated = await migrateState(pool);
    if (migrated.applied.length > 0) {
      options.log.info("state_migrated", null, {
        store: pool.describe(),
        from: migrated.from,
        to: migrated.to,
        applied: migrated.applied.map((migration) => `${migration.version} ${migration.name}`).join("; "),
      });
    }
    const definitions = definitionsHash(project);
    const store = new ClusterFireStore({
      pool: pool.pool,
      schema: pool.schema,
      identity: {
        host: hostname(),
        pid: process.pid,
        version: VERSION,
        projectRevision: projectRevision(project, definitions),
        definitionsHash: definitions,
        maxRuns: options.maxRuns,
      },
      heartbeatMs: state.heartbeatSeconds * 1000,
      leaseMs: state.leaseSeconds * 1000,
      keepDays: state.keepDays,
      clock: options.clock,
      log: options.log,
      onLeaseLost: options.onLeaseLost,
    });
    const history = new RunHistoryWriter({
      pool: pool.pool,
      schema: pool.schema,
      daemonId: () => store.daemonId,
      onProblem: (message) => options.log.warn("history_store_problem", null, { error: message }),
    });
    return { store, pool, history };
  } catch (error) {
    await pool.close();
    throw error;
  }
}
