/**
 * One session on a PGlite instance: the statements of one `withSession` call. The instance's
 * queue is already held; this checks before every statement that the session is still open and
 * not cancelled. PGlite runs in this process and a statement, once started, runs to its end
 * (the event loop waits for it), so cancelling takes effect at the next statement or COPY chunk.
 */
import type { Results } from "@electric-sql/pglite";
import { ConnectorError } from "../../errors/nomaflowError.js";
import { connectorError } from "../connectionErrors.js";
import type { Session } from "../connector.js";
import { copyInByChunks } from "./copyIn.js";
import { copyOutByChunks } from "./copyOut.js";
import type { PgliteInstance } from "./instances.js";
import { toParameter, toQueryResult } from "./values.js";

/** What the COPY code needs of a session. */
export interface PgliteStatements {
  readonly connector: string;
  /** One statement with parameters, or any number without; rejects with a ConnectorError. */
  run(sql: string, params?: readonly unknown[], blob?: Blob): Promise<Results<unknown[]>[]>;
  inTransaction(): boolean;
  /** Throws the ConnectorError for a cancelled or ended session. */
  checkUsable(): void;
  /** Whether statements may still run (not cancelled, not ended). */
  usable(): boolean;
}

export interface PgliteSessionState {
  signal: AbortSignal | undefined;
  /** False once `withSession`'s work has ended: a statement after that would run outside the turn. */
  active: boolean;
}

export function cancelledError(connector: string, signal: AbortSignal): ConnectorError {
  const reason = signal.reason as unknown;
  const text = reason instanceof Error ? reason.message : reason === undefined ? "aborted" : String(reason);
  return new ConnectorError(connector, `cancelled: ${text}`, {
    cause: reason,
    hint: "PGlite runs in this process: a statement it has started runs to its end, and the cancel takes effect before the next one",
  });
}

export function pgliteStatements(instance: PgliteInstance, connector: string, state: PgliteSessionState): PgliteStatements {
  const { db, textOptions } = instance;
  const statements: PgliteStatements = {
    connector,
    usable: () => state.active && !state.signal?.aborted,
    checkUsable: () => {
      if (state.signal?.aborted) throw cancelledError(connector, state.signal);
      if (!state.active) throw new ConnectorError(connector, "the session has ended: use it only inside withSession's work");
    },
    inTransaction: () => db.isInTransaction(),
    run: async (sql, params, blob) => {
      statements.checkUsable();
      const options = blob === undefined ? textOptions : { ...textOptions, blob };
      try {
        // Without parameters the simple protocol runs several statements, as pg does.
        if (params === undefined || params.length === 0) return (await db.exec(sql, options)) as Results<unknown[]>[];
        return [await db.query<unknown[]>(sql, params.map(toParameter), options)];
      } catch (error) {
        throw connectorError(connector, quieter(error));
      }
    },
  };
  return statements;
}

/**
 * PGlite hangs the query's options (hundreds of type converters) and its parameters on every
 * error; printed as the cause, they buried the message, and parameters can hold secrets.
 */
function quieter(error: unknown): unknown {
  if (typeof error === "object" && error !== null) {
    for (const key of ["queryOptions", "params"]) {
      if (key in error) Object.defineProperty(error, key, { enumerable: false });
    }
  }
  return error;
}

export function pgliteSession(statements: PgliteStatements, copyChunkBytes: number): Session {
  return {
    backendPid: undefined,
    query: async (sql, params) => toQueryResult(await statements.run(sql, params)),
    copyOut: (copy) => copyOutByChunks(statements, copy, copyChunkBytes),
    copyIn: (copy, data) => copyInByChunks(statements, copy, data, copyChunkBytes),
  };
}
