/**
 * What the overwrite-swap tests share: a database of their own with a session to run the swap
 * on, extra connections for readers, cluster-wide roles with unique names (dropped at the end),
 * and the whole overwrite sequence as the sql_copy step runs it.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { checkSwappable } from "../../../../src/step-types/sql_copy/overwrite/checkSwappable.js";
import { completeStash } from "../../../../src/step-types/sql_copy/overwrite/completeStash.js";
import { qualifiedName, type TableName } from "../../../../src/step-types/sql_copy/quoteIdentifier.js";
import { createStash, dropStash, findStashTables, stashName, type StashPlan } from "../../../../src/step-types/sql_copy/overwrite/stashTable.js";
import { swapStash, type SwapOptions, type SwapResult } from "../../../../src/step-types/sql_copy/overwrite/swapStash.js";
import type { Query } from "../../../../src/step-types/sql_copy/transaction.js";
import { newRunId } from "../../../../src/runs/runId.js";
import { createDatabase, PG_URL, type TestDatabase } from "../../../support/postgres.js";

export interface Harness {
  db: TestDatabase;
  /** The session the swap runs on. */
  query: Query;
  /** Another connection to the same database (closed by close()). */
  connect(): Promise<pg.Client>;
  /** A role that exists for this test file only (dropped by close()). */
  createRole(label: string): Promise<string>;
  close(): Promise<void>;
}

export async function openHarness(label: string): Promise<Harness> {
  const db = await createDatabase(label);
  const clients: pg.Client[] = [];
  const roles: string[] = [];
  const connect = async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    clients.push(client);
    return client;
  };
  const session = await connect();
  return {
    db,
    query: (sql, params) => session.query(sql, params),
    connect,
    async createRole(roleLabel) {
      const role = `nomaflow_test_${roleLabel}_${randomBytes(4).toString("hex")}`;
      await db.query(`create role "${role.replaceAll('"', '""')}"`);
      roles.push(role);
      return role;
    },
    async close() {
      await Promise.all(clients.map((client) => client.end().catch(() => {})));
      await db.drop();
      if (roles.length === 0) return;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      try {
        for (const role of roles) await admin.query(`drop role if exists "${role.replaceAll('"', '""')}"`);
      } finally {
        await admin.end();
      }
    },
  };
}

/**
 * The overwrite as sql_copy runs it: refusals, leftover stashes dropped, stash created, loaded
 * by `load` (given the stash's quoted name), completed and swapped in; the stash is dropped when
 * any of it fails.
 */
export async function overwrite(
  query: Query,
  target: TableName,
  load: (stash: string) => string,
  options: SwapOptions & { runId?: string } = {},
): Promise<SwapResult & { plan: StashPlan }> {
  await checkSwappable(query, target);
  for (const leftover of await findStashTables(query, target.schema, target.table)) await dropStash(query, target, leftover);
  const plan = await createStash(query, target, stashName(target.table, options.runId ?? newRunId()));
  try {
    await query(load(qualifiedName(target.schema, plan.stash)));
    await completeStash(query, plan);
    return { ...(await swapStash(query, plan, options)), plan };
  } catch (error) {
    await dropStash(query, target, plan.stash);
    throw error;
  }
}

/** The first column of the first row. */
export async function scalar(query: Query, sql: string, params?: unknown[]): Promise<unknown> {
  const { rows } = await query(sql, params);
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
