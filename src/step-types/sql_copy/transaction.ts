/**
 * The one thing the overwrite swap (overwrite/) needs from a connector: a query function on a
 * single session (a `Session.query` from `Connector.withSession`), outside any transaction —
 * those modules open and commit their own. Also the database-error helpers sql_copy shares.
 */
import type { Session } from "../../connectors/connector.js";
import { quoteLiteral } from "../../sql/quoteSql.js";

/** Runs one statement; parameters are `$1`, `$2`, … and travel apart from the text. */
export type Query = (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

export const queryOf =
  (session: Session): Query =>
  (sql, params) =>
    session.query(sql, params);

interface TransactionSettings {
  /** Milliseconds any one lock wait may last before the statement fails; unset = the session's. */
  lockTimeoutMs?: number;
}

/**
 * Runs `work` in a transaction with an empty search_path, so catalog text read in it
 * (pg_get_viewdef, pg_get_indexdef, …) names every object with its schema, and text replayed in
 * it means the same as when it was read. Rolls back when `work` throws. The COMMIT follows the
 * session's rule (connector.ts): refused once the step's signal fired, never cancelled once sent.
 */
export async function inTransaction<T>(query: Query, work: () => Promise<T>, settings: TransactionSettings = {}): Promise<T> {
  await query("BEGIN");
  try {
    await query("SELECT pg_catalog.set_config('search_path', '', true)");
    if (settings.lockTimeoutMs !== undefined) await setLockTimeout(query, settings.lockTimeoutMs);
    const result = await work();
    await query("COMMIT");
    return result;
  } catch (error) {
    await query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/**
 * Fails when the session is already inside a transaction block: a BEGIN here would be ignored
 * and our COMMIT would commit the caller's work, and the swap's lock would be held until the
 * caller commits. SAVEPOINT succeeds only inside a block, so it tells the two apart.
 */
export async function assertNoOpenTransaction(query: Query, what: string): Promise<void> {
  try {
    await query("SAVEPOINT nomaflow_outside_transaction_check");
  } catch (error) {
    if (sqlStateOf(error) === "25P01") return;
    throw error;
  }
  await query("RELEASE SAVEPOINT nomaflow_outside_transaction_check");
  throw new Error(`${what} must run outside a transaction: it commits its own (the session is in one)`);
}

/** Sets lock_timeout for the rest of the current transaction. */
export async function setLockTimeout(query: Query, milliseconds: number): Promise<void> {
  if (!Number.isInteger(milliseconds) || milliseconds < 1) throw new RangeError(`lock timeout must be a whole number of milliseconds ≥ 1, not ${milliseconds}`);
  await query("SELECT pg_catalog.set_config('lock_timeout', $1, true)", [`${milliseconds}ms`]);
}

/** The database error itself, also when a connector wrapped it (looked up along `cause`). */
function databaseError(error: unknown): { code: string; message?: unknown; detail?: unknown } | undefined {
  for (let current = error, depth = 0; current instanceof Object && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return current as { code: string };
  }
  return undefined;
}

/** The SQLSTATE of a database error. */
export function sqlStateOf(error: unknown): string | undefined {
  return databaseError(error)?.code;
}

/** A database error's message and detail as one line. */
export function databaseMessageOf(error: unknown): string {
  const found = databaseError(error);
  const message = String(found?.message ?? (error instanceof Error ? error.message : error));
  return typeof found?.detail === "string" && found.detail !== "" ? `${message} (${found.detail})` : message;
}

/**
 * Runs `statements` in order in one round trip (an anonymous code block), in the current
 * transaction. Under the swap's lock every round trip to a distant server is time readers wait.
 */
export async function executeInOneRoundTrip(query: Query, statements: string[]): Promise<void> {
  if (statements.length === 0) return;
  const body = `BEGIN\n${statements.map((statement) => `  EXECUTE ${quoteLiteral(statement)};`).join("\n")}\nEND`;
  await query(`DO ${quoteLiteral(body)}`);
}
