/**
 * Foreign keys around the target. Outgoing ones (target → other tables, or to itself) are added
 * to the stash before the swap, NOT VALID then validated, so the check reads the stash without
 * keeping writers of the referenced table waiting. Incoming ones (other tables → target) must
 * point at the new table, so the swap drops and re-adds them NOT VALID (no scan under the lock)
 * and they are validated after commit; VALIDATE CONSTRAINT blocks neither readers nor writers.
 * Before the swap, the referencing rows are checked against the new rows, so a load that would
 * orphan them fails with the target untouched instead of leaving a constraint that cannot
 * validate.
 */
import { StepError } from "../../../errors/nomaflowError.js";
import { displayName } from "../quoteIdentifier.js";
import { quoteIdentifier, quoteLiteral, qualifiedName } from "../../../sql/quoteSql.js";
import type { StashPlan } from "./stashTable.js";
import { inTransaction, sqlStateOf, type Query } from "../transaction.js";

export interface ForeignKeyFacts {
  name: string;
  /** pg_get_constraintdef: `FOREIGN KEY (…) REFERENCES schema.table(…) …`. */
  definition: string;
  valid: boolean;
  columns: string[];
  referencedSchema: string;
  referencedTable: string;
  referencedColumns: string[];
  /** The definition after `FOREIGN KEY (…) REFERENCES schema.table`: `(…) ON DELETE …`; null if it did not match. */
  referencedTail: string | null;
  comment: string | null;
}

/** A foreign key of another table that references the target. */
export interface IncomingForeignKeyFacts extends ForeignKeyFacts {
  schema: string;
  table: string;
  /** relkind of the referencing table: r = table, p = partitioned table. */
  kind: string;
  /** Whether this session may move the key (owns the referencing table, or can act as its owner). */
  mayAlter: boolean;
}

const columnNames = (columns: string, table: string) =>
  `(SELECT json_agg(a.attname ORDER BY k.position) FROM unnest(${columns}) WITH ORDINALITY AS k(attnum, position)
     JOIN pg_attribute a ON a.attrelid = ${table} AND a.attnum = k.attnum)`;

const foreignKeyFields = `
    'name', c.conname,
    'definition', d.definition,
    'valid', c.convalidated,
    'columns', ${columnNames("c.conkey", "c.conrelid")},
    'referencedSchema', rn.nspname,
    'referencedTable', rc.relname,
    'referencedColumns', ${columnNames("c.confkey", "c.confrelid")},
    'referencedTail', CASE WHEN starts_with(d.definition, d.prefix) THEN substr(d.definition, length(d.prefix) + 1) END,
    'comment', obj_description(c.oid, 'pg_constraint')`;

const foreignKeyJoins = `
  JOIN pg_class rc ON rc.oid = c.confrelid
  JOIN pg_namespace rn ON rn.oid = rc.relnamespace
  JOIN pg_class oc ON oc.oid = c.conrelid
  JOIN pg_namespace onsp ON onsp.oid = oc.relnamespace
  CROSS JOIN LATERAL (SELECT pg_get_constraintdef(c.oid) AS definition,
    'FOREIGN KEY (' || (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.position)
        FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, position) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum)
      || ') REFERENCES ' || quote_ident(rn.nspname) || '.' || quote_ident(rc.relname) AS prefix) d`;

/** JSON array of ForeignKeyFacts: the target's own foreign keys. */
export const OUTGOING_FOREIGN_KEYS_SQL = `(SELECT coalesce(json_agg(json_build_object(${foreignKeyFields}) ORDER BY c.conname), '[]')
  FROM pg_constraint c ${foreignKeyJoins}
  WHERE c.conrelid = t.oid AND c.contype = 'f')`;

/** JSON array of IncomingForeignKeyFacts (a partition's copy of its parent's key is the parent's business). */
export const INCOMING_FOREIGN_KEYS_SQL = `(SELECT coalesce(json_agg(json_build_object(${foreignKeyFields},
    'schema', onsp.nspname, 'table', oc.relname, 'kind', oc.relkind, 'mayAlter', pg_has_role(oc.relowner, 'USAGE')) ORDER BY onsp.nspname, oc.relname, c.conname), '[]')
  FROM pg_constraint c ${foreignKeyJoins}
  WHERE c.confrelid = t.oid AND c.conrelid <> t.oid AND c.contype = 'f' AND c.conparentid = 0)`;

const notValid = (definition: string) => (definition.endsWith(" NOT VALID") ? definition : `${definition} NOT VALID`);

/** Adds the target's foreign keys to the stash (a key to the target itself points at the stash) and validates them. */
export async function addForeignKeysToStash(query: Query, plan: StashPlan): Promise<void> {
  const stash = qualifiedName(plan.target.schema, plan.stash);
  for (const key of plan.description.outgoingForeignKeys) {
    const selfReference = key.referencedSchema === plan.target.schema && key.referencedTable === plan.target.table;
    const definition = selfReference ? `FOREIGN KEY (${key.columns.map(quoteIdentifier).join(", ")}) REFERENCES ${stash}${key.referencedTail}` : key.definition;
    // One short transaction per key: adding one locks the referenced table against writers until commit.
    await inTransaction(query, async () => {
      await query(`ALTER TABLE ${stash} ADD CONSTRAINT ${quoteIdentifier(key.name)} ${notValid(definition)}`);
      if (key.comment !== null) await query(`COMMENT ON CONSTRAINT ${quoteIdentifier(key.name)} ON ${stash} IS ${quoteLiteral(key.comment)}`);
    });
    if (key.valid) await query(`ALTER TABLE ${stash} VALIDATE CONSTRAINT ${quoteIdentifier(key.name)}`);
  }
}

/**
 * Fails when a row of a referencing table points at a key the new rows lack: after the swap its
 * foreign key could not be validated. Skips a table this user may not read (VALIDATE, which runs
 * as the owner, still checks it after the swap).
 */
export async function checkIncomingReferences(query: Query, plan: StashPlan): Promise<void> {
  const stash = qualifiedName(plan.target.schema, plan.stash);
  const target = displayName(plan.target.schema, plan.target.table);
  for (const key of plan.description.incomingForeignKeys) {
    if (!key.valid) continue;
    const referencing = (column: string) => `o.${quoteIdentifier(column)}`;
    const sql =
      `SELECT (ROW(${key.columns.map(referencing).join(", ")}))::text AS key FROM ONLY ${qualifiedName(key.schema, key.table)} AS o ` +
      `WHERE ${key.columns.map((column) => `${referencing(column)} IS NOT NULL`).join(" AND ")} ` +
      `AND NOT EXISTS (SELECT FROM ${stash} AS k WHERE ${key.columns.map((column, index) => `k.${quoteIdentifier(key.referencedColumns[index]!)} = ${referencing(column)}`).join(" AND ")}) LIMIT 1`;
    let rows: Record<string, unknown>[];
    try {
      rows = await inTransaction(query, async () => (await query(sql)).rows);
    } catch (error) {
      if (sqlStateOf(error) === "42501") continue;
      throw error;
    }
    if (rows.length > 0) {
      throw new StepError(
        `overwrite of ${target} stopped before the swap: ${displayName(key.schema, key.table)} has a row with (${key.columns.join(", ")})=${String(rows[0]!.key)}, ` +
          `which foreign key ${key.name} requires in ${target}, but the new rows lack it; ${target} is unchanged`,
        {
          retryable: false,
          hint: `copy rows that include every key ${displayName(key.schema, key.table)} refers to, or delete the rows that refer to missing keys first`,
        },
      );
    }
  }
}

/** Tables whose foreign keys the swap moves; it locks them before the target. */
export function referencingTables(plan: StashPlan): string[] {
  return [...new Set(plan.description.incomingForeignKeys.map((key) => qualifiedName(key.schema, key.table)))];
}

/**
 * Inside the swap, once the stash has the target's name: each incoming key is dropped and added
 * again NOT VALID; its definition names the target, which now resolves to the new table.
 */
export function incomingForeignKeySwapStatements(plan: StashPlan): string[] {
  return plan.description.incomingForeignKeys.flatMap((key) => {
    const table = qualifiedName(key.schema, key.table);
    const name = quoteIdentifier(key.name);
    return [
      `ALTER TABLE ${table} DROP CONSTRAINT ${name}`,
      `ALTER TABLE ${table} ADD CONSTRAINT ${name} ${notValid(key.definition)}`,
      ...(key.comment === null ? [] : [`COMMENT ON CONSTRAINT ${name} ON ${table} IS ${quoteLiteral(key.comment)}`]),
    ];
  });
}

/** A foreign key the swap had to leave NOT VALID, and why. */
export interface UnvalidatedForeignKey {
  table: string;
  constraint: string;
  reason: string;
}

/** After the swap's commit: validates the incoming keys that were valid before; returns those that failed. */
export async function validateIncomingForeignKeys(query: Query, plan: StashPlan): Promise<UnvalidatedForeignKey[]> {
  const failures: UnvalidatedForeignKey[] = [];
  for (const key of plan.description.incomingForeignKeys) {
    if (!key.valid) continue;
    try {
      await query(`ALTER TABLE ${qualifiedName(key.schema, key.table)} VALIDATE CONSTRAINT ${quoteIdentifier(key.name)}`);
    } catch (error) {
      failures.push({ table: displayName(key.schema, key.table), constraint: key.name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return failures;
}
