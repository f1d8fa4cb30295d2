/**
 * Embedded PostgreSQL (PGlite) in a folder: `pglite:<dir>` in nomaflow.yaml. Every connector
 * naming a folder shares one PGlite instance in this process (instances.ts), which is opened
 * on first use. PGlite has a single connection, so sessions take turns: a `withSession` holds the
 * connection from its first statement to its last, and no other session's statement runs inside
 * its transaction. COPY goes through PGlite's '/dev/blob' file a piece at a time
 * (copyOut.ts, copyIn.ts) so memory stays bounded whatever the table size.
 *
 * Cancelling: PGlite runs in this process and cannot stop a statement it has started; an abort
 * takes effect before the next statement or COPY piece (a queued session gives up its turn at
 * once), then the session rolls back and `withSession` rejects with a ConnectorError.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { ConnectorError } from "../../errors/nomaflowError.js";
import type { Connector, Session, SessionOptions } from "../connector.js";
import { connectorQueries } from "../connectorQueries.js";
import { acquirePglite, releasePglite, type PgliteInstance } from "./instances.js";
import { cancelledError, pgliteSession, pgliteStatements, type PgliteSessionState } from "./session.js";

export interface PgliteConnectorOptions {
  /**
   * Bytes of COPY data per PGlite statement, each way. Memory use is a few times this.
   * @default 8388608 (8 MiB)
   */
  copyChunkBytes?: number;
}

const DEFAULT_COPY_CHUNK_BYTES = 8 * 1024 * 1024;

interface HeldSession {
  instance: PgliteInstance;
  connector: string;
  state: PgliteSessionState;
}

/** The sessions the current async call chain is inside, to refuse waiting for one of them. */
const heldSessions = new AsyncLocalStorage<readonly HeldSession[]>();

/** A connector on the PGlite database in `dataDir` (absolute; created if missing). Nothing is opened until first use. */
export function openPgliteConnector(name: string, dataDir: string, options: PgliteConnectorOptions = {}): Connector {
  const copyChunkBytes = options.copyChunkBytes ?? DEFAULT_COPY_CHUNK_BYTES;
  let instance: Promise<PgliteInstance> | undefined;
  let closed = false;
  const running = new Set<Promise<unknown>>();

  /** The shared instance, opened (and this connector counted as a user) on first call. */
  function connect(): Promise<PgliteInstance> {
    instance ??= acquirePglite(dataDir).catch((error: unknown) => {
      instance = undefined; // a later call tries again (the folder may have been unlocked or fixed)
      throw new ConnectorError(name, (error as Error).message, { cause: (error as Error).cause ?? error });
    });
    return instance;
  }

  async function withSession<T>(work: (session: Session) => Promise<T>, sessionOptions: SessionOptions = {}): Promise<T> {
    if (closed) throw new ConnectorError(name, "the connector is closed");
    const { signal, applicationName } = sessionOptions;
    if (signal?.aborted) throw cancelledError(name, signal);
    const shared = await connect();
    const outer = heldSessions.getStore()?.find((held) => held.instance === shared && held.state.active);
    if (outer) {
      throw new ConnectorError(
        name,
        `a second session on the PGlite database in ${dataDir} cannot start inside a session of connector ${outer.connector} on it: PGlite has one connection, so it would wait for itself`,
        {
          hint: "to copy between two tables of one PGlite database, use a sql step (INSERT INTO … SELECT …) instead of sql_copy",
        },
      );
    }
    let release: () => void;
    try {
      release = await shared.queue.acquire(signal);
    } catch {
      throw cancelledError(name, signal!);
    }
    const state: PgliteSessionState = { signal, active: true };
    const statements = pgliteStatements(shared, name, state);
    try {
      await statements.run("select set_config('application_name', $1, false)", [applicationName ?? "nomaflow"]);
      const session = pgliteSession(statements, copyChunkBytes);
      const held = [...(heldSessions.getStore() ?? []), { instance: shared, connector: name, state }];
      return await heldSessions.run(held, () => work(session));
    } catch (error) {
      if (signal?.aborted && !(error instanceof ConnectorError && error.cause === signal.reason)) throw cancelledError(name, signal);
      throw error;
    } finally {
      state.active = false;
      // A transaction left open (failed, cancelled or forgotten) must not reach the next session.
      if (shared.db.isInTransaction()) await shared.db.exec("ROLLBACK").catch(() => {});
      release();
    }
  }

  /** Runs `withSession`, tracked so close() can wait for it. */
  function tracked<T>(work: (session: Session) => Promise<T>, sessionOptions?: SessionOptions): Promise<T> {
    const promise = withSession(work, sessionOptions);
    running.add(promise);
    void promise.then(
      () => running.delete(promise),
      () => running.delete(promise),
    );
    return promise;
  }

  return {
    name,
    kind: "pglite",
    withSession: tracked,
    ...connectorQueries(tracked),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...running]);
      const opened = await instance?.catch(() => undefined);
      if (opened) await releasePglite(opened);
    },
  };
}
