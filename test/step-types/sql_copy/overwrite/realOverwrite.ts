/**
 * The overwrite swap as the sql_copy step runs it — the production prepareOverwrite and
 * overwriteTarget on a session of the backend's connector — with the stash loaded by an INSERT
 * instead of a COPY from a source, so a test states its new rows in SQL.
 */
import { qualifiedName } from "../../../../src/sql/quoteSql.js";
import { newRunId } from "../../../../src/identity/runId.js";
import { overwriteTarget, prepareOverwrite, type OverwriteResult } from "../../../../src/step-types/sql_copy/overwrite/overwriteTarget.js";
import { type TableName } from "../../../../src/step-types/sql_copy/quoteIdentifier.js";
import type { Backend } from "../../../support/backends.js";
import { recordingContext } from "../../../support/recordingContext.js";

export interface OverwriteOptions {
  /** The run id, which names the stash and the swap's temporary objects; default a new one. */
  runId?: string;
  signal?: AbortSignal;
  /** Called with each message the overwrite logs, as it logs it. */
  onLog?: (message: string) => void;
}

/**
 * Overwrites `target` by a swap (overwrite_method: swap), its new rows inserted by `load(stash)`'s
 * SQL. Resolves with the lock time and the warnings logged.
 */
export async function overwrite(
  backend: Backend,
  target: TableName,
  load: (stash: string) => string,
  options: OverwriteOptions = {},
): Promise<OverwriteResult & { warnings: string[] }> {
  const recording = recordingContext({ runId: options.runId ?? newRunId() });
  const { context } = recording;
  const log = context.log;
  context.log = (level, message) => {
    log(level, message);
    options.onLog?.(message);
  };
  const signal = options.signal ?? new AbortController().signal;
  const result = await backend.connector.withSession(
    async (session) => {
      const prepared = await prepareOverwrite(session, target, context, "swap");
      if (prepared.method !== "swap") throw new Error(`prepareOverwrite chose ${prepared.method} where swap was asked`);
      return overwriteTarget(
        session,
        backend.connector,
        prepared.described,
        context,
        signal,
        async (stash) => (await session.query(load(qualifiedName(stash.schema, stash.table)))).rowCount,
      );
    },
    { signal, applicationName: context.applicationName },
  );
  return { ...result, warnings: recording.messages("warning") };
}

/** The first column of the first row. */
export async function scalar(backend: Pick<Backend, "query">, sql: string, params?: unknown[]): Promise<unknown> {
  const { rows } = await backend.query(sql, params);
  const row = rows[0];
  return row === undefined ? undefined : Object.values(row)[0];
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; retryable?: boolean; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}
