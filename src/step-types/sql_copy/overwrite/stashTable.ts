/**
 * The stash: the table an overwrite loads before swapping it in. It is made beside the target
 * (same schema, owner-to-be, columns, types, defaults, NOT NULL, CHECK constraints, generated and
 * identity columns, storage, compression and column comments) but without indexes or keys, which
 * are built after the load (see completeStash). A killed run can leave one behind (or, killed
 * just after its swap, the old table); the next run of the same target finds it by name and
 * drops it.
 */
import { throwUnlessSwappable } from "./checkSwappable.js";
import type { DescribedTarget, TargetDescription } from "./describeTarget.js";
import { readStashIdentitySequences, type OwnedSequenceFacts } from "./ownedSequences.js";
import { displayName, optionsClause, type TableName } from "../quoteIdentifier.js";
import { quoteIdentifier, qualifiedName } from "../../../sql/quoteSql.js";
import { leftoverTagOf, oldTablePrefix, stashPrefix, stashTagOf } from "./temporaryNames.js";
import { assertNoOpenTransaction, inTransaction, type Query } from "../transaction.js";

export { stashName } from "./temporaryNames.js";

/** What createStash learned, for completeStash and swapStash. A plain, serialisable object. */
export interface StashPlan {
  target: TableName;
  /** The stash table's name, in the target's schema. */
  stash: string;
  /** The run tag in the stash's name, which also names the swap's other temporary objects. */
  tag: string;
  description: TargetDescription;
  /** The description as read, compared under the swap's lock with a fresh reading. */
  descriptionText: string;
  /** The identity sequences CREATE TABLE … LIKE gave the stash. */
  stashIdentitySequences: OwnedSequenceFacts[];
}

/**
 * Tables earlier runs of `schema.table` left behind, oldest first: stashes of runs that died
 * before their swap, and old tables of runs that died between their swap and dropping the old
 * table. Call it (and dropStash on each) only while holding the target's run lock: a stash of a
 * run that is still going looks the same.
 */
export async function findStashTables(query: Query, schema: string, table: string): Promise<string[]> {
  const { rows } = await query(
    `SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'r' AND (pg_catalog.starts_with(c.relname, $2) OR pg_catalog.starts_with(c.relname, $3))
     ORDER BY c.oid`,
    [schema, stashPrefix(table), oldTablePrefix(table)],
  );
  return rows.map((row) => String(row.relname)).filter((name) => leftoverTagOf(table, name) !== undefined);
}

/**
 * Drops a stash (or left-behind old table) of `target` if it exists. Refuses any other name, so
 * it cannot drop a real table; no CASCADE, so it cannot take anything else with it.
 */
export async function dropStash(query: Query, target: TableName, stash: string): Promise<void> {
  if (leftoverTagOf(target.table, stash) === undefined) throw new Error(`${stash} is not a stash table of ${displayName(target.schema, target.table)}`);
  await query(`DROP TABLE IF EXISTS ${qualifiedName(target.schema, stash)}`);
}

/**
 * Creates the (committed, empty) stash `stash` (from stashName) for `target`, as `described`
 * (from checkSwappable or prepareOverwrite) says, after checking the target can be swapped (the
 * same refusals as checkSwappable). The target is not read again: were it changed since
 * `described` was read, the stash follows the change and the swap, which compares the
 * description with a fresh reading, refuses it (retryable). Load the stash with COPY into
 * `qualifiedName(target.schema, plan.stash)`, leaving out generated columns.
 */
export async function createStash(query: Query, target: TableName, stash: string, described: DescribedTarget | undefined): Promise<StashPlan> {
  await assertNoOpenTransaction(query, "createStash");
  const tag = stashTagOf(target.table, stash);
  if (tag === undefined) throw new Error(`${stash} is not a stash name for ${displayName(target.schema, target.table)}; use stashName()`);
  throwUnlessSwappable(target, described);
  return inTransaction(query, async () => {
    const source = qualifiedName(target.schema, target.table);
    const { table, serverVersion } = described.description;
    const including = ["DEFAULTS", "CONSTRAINTS", "GENERATED", "IDENTITY", "STORAGE", "COMMENTS", ...(serverVersion >= 140000 ? ["COMPRESSION"] : [])];
    await query(
      `CREATE ${table.persistence === "u" ? "UNLOGGED " : ""}TABLE ${qualifiedName(target.schema, stash)} ` +
        `(LIKE ${source} ${including.map((option) => `INCLUDING ${option}`).join(" ")})` +
        (table.accessMethod !== null && table.accessMethod !== "heap" ? ` USING ${quoteIdentifier(table.accessMethod)}` : "") +
        optionsClause(table.options) +
        (table.tablespace === null ? "" : ` TABLESPACE ${quoteIdentifier(table.tablespace)}`),
    );
    return {
      target: { schema: target.schema, table: target.table },
      stash,
      tag,
      description: described.description,
      descriptionText: described.text,
      stashIdentitySequences: await readStashIdentitySequences(query, target.schema, stash),
    };
  });
}
