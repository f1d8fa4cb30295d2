/**
 * Everything the overwrite swap needs to know about its target, read in one statement: once
 * before the copy (to choose swap or replace, build the stash and plan the swap; the reading is
 * passed down, not read again) and again by the swap, before and under its lock, where the texts
 * must be equal — so nothing changed on the target during the copy that the stash or the swap
 * would miss. Read in a transaction with an empty search_path (`inTransaction`): the definitions
 * then name every object with its schema, and the text is the same each time.
 */
import { DEPENDENT_VIEWS_SQL, type DependentViewFacts } from "./dependentViews.js";
import { INCOMING_FOREIGN_KEYS_SQL, OUTGOING_FOREIGN_KEYS_SQL, type ForeignKeyFacts, type IncomingForeignKeyFacts } from "./foreignKeys.js";
import { CHECKS_SQL, INDEXES_SQL, STATISTICS_SQL, type CheckFacts, type IndexFacts, type StatisticsFacts } from "./indexesAndKeys.js";
import { IDENTITY_SEQUENCES_SQL, SERIAL_SEQUENCES_SQL, type OwnedSequenceFacts } from "./ownedSequences.js";
import { type TableName } from "../quoteIdentifier.js";
import type { ColumnInfo } from "../tableColumns.js";
import { quoteIdentifier, quoteLiteral } from "../../../sql/quoteSql.js";
import { OBSTACLES_SQL, type SwapObstacles } from "./swapRefusals.js";
import { privilegesSql, type Privilege } from "./tablePrivileges.js";
import { inTransaction, type Query } from "../transaction.js";
import { POLICIES_SQL, TRIGGERS_SQL, type PolicyFacts, type TriggerFacts } from "./triggersAndPolicies.js";

export interface TableFacts {
  schema: string;
  name: string;
  /** Tells a table dropped and re-created under the same name during the copy apart. */
  oid: string;
  /** pg_class.relkind: r = table, p = partitioned table, v = view, … */
  kind: string;
  /** p = permanent, u = unlogged, t = temporary. */
  persistence: "p" | "u" | "t";
  isPartition: boolean;
  owner: string;
  privileges: Privilege[];
  comment: string | null;
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  /** d = default, n = nothing, f = full, i = an index (flagged on the index). */
  replicaIdentity: "d" | "n" | "f" | "i";
  /** Storage parameters, `name=value`. */
  options: string[] | null;
  tablespace: string | null;
  accessMethod: string | null;
}

/** A column as sql_copy plans a copy with it (ColumnInfo), and what the stash must repeat. */
export interface ColumnFacts extends ColumnInfo {
  default: string | null;
  /** a = GENERATED ALWAYS AS IDENTITY, d = BY DEFAULT, "" = not an identity column. */
  identity: string;
  comment: string | null;
  /** Column-level grants. */
  privileges: Privilege[];
}

export interface TargetDescription {
  serverVersion: number;
  table: TableFacts;
  columns: ColumnFacts[];
  indexes: IndexFacts[];
  checks: CheckFacts[];
  statistics: StatisticsFacts[];
  outgoingForeignKeys: ForeignKeyFacts[];
  incomingForeignKeys: IncomingForeignKeyFacts[];
  triggers: TriggerFacts[];
  policies: PolicyFacts[];
  /** Views and materialized views that read the target directly. */
  views: DependentViewFacts[];
  serialSequences: OwnedSequenceFacts[];
  identitySequences: OwnedSequenceFacts[];
  obstacles: SwapObstacles;
}

const TABLE_SQL = `json_build_object(
    'schema', n.nspname,
    'name', t.relname,
    'oid', t.oid,
    'kind', t.relkind,
    'persistence', t.relpersistence,
    'isPartition', t.relispartition,
    'owner', pg_get_userbyid(t.relowner),
    'privileges', ${privilegesSql("coalesce(t.relacl, acldefault('r', t.relowner))")},
    'comment', obj_description(t.oid, 'pg_class'),
    'rowSecurity', t.relrowsecurity,
    'forceRowSecurity', t.relforcerowsecurity,
    'replicaIdentity', t.relreplident,
    'options', t.reloptions,
    'tablespace', (SELECT ts.spcname FROM pg_tablespace ts WHERE ts.oid = t.reltablespace),
    'accessMethod', (SELECT am.amname FROM pg_am am WHERE am.oid = t.relam))`;

const COLUMNS_SQL = `(SELECT coalesce(json_agg(json_build_object(
    'name', a.attname,
    'type', format_type(a.atttypid, a.atttypmod),
    'typeOid', a.atttypid::int8,
    'notNull', a.attnotnull,
    'generated', a.attgenerated <> '',
    'default', pg_get_expr(ad.adbin, ad.adrelid),
    'identity', a.attidentity,
    'comment', col_description(t.oid, a.attnum),
    'privileges', ${privilegesSql("a.attacl")})
  ORDER BY a.attnum), '[]')
  FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped)`;

const DESCRIBE_SQL = `SELECT json_build_object(
    'serverVersion', current_setting('server_version_num')::int,
    'table', ${TABLE_SQL},
    'columns', ${COLUMNS_SQL},
    'indexes', ${INDEXES_SQL},
    'checks', ${CHECKS_SQL},
    'statistics', ${STATISTICS_SQL},
    'outgoingForeignKeys', ${OUTGOING_FOREIGN_KEYS_SQL},
    'incomingForeignKeys', ${INCOMING_FOREIGN_KEYS_SQL},
    'triggers', ${TRIGGERS_SQL},
    'policies', ${POLICIES_SQL},
    'views', ${DEPENDENT_VIEWS_SQL},
    'serialSequences', ${SERIAL_SEQUENCES_SQL},
    'identitySequences', ${IDENTITY_SEQUENCES_SQL},
    'obstacles', ${OBSTACLES_SQL})::text AS description
  FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
  WHERE n.nspname = $1 AND t.relname = $2`;

export interface DescribedTarget {
  description: TargetDescription;
  /** The JSON text as the server wrote it, for comparing two readings. */
  text: string;
}

/** The target's description, or undefined when there is no such relation. Opens its own transaction. */
export async function describeTarget(query: Query, target: TableName): Promise<DescribedTarget | undefined> {
  const { rows } = await inTransaction(query, () => query(DESCRIBE_SQL, [target.schema, target.table]));
  if (rows.length === 0) return undefined;
  const text = String(rows[0]!.description);
  return { description: JSON.parse(text) as TargetDescription, text };
}

/**
 * The description query prepared in the session and planned once (it is a large query: planning
 * takes longer than running it), for reading the same target again where time counts — under
 * the swap's lock. Call inside a transaction; `release` removes the prepared statement, which
 * outlives the transaction.
 */
export async function prepareDescribeTarget(
  query: Query,
  target: TableName,
  name: string,
): Promise<{ describe: () => Promise<DescribedTarget | undefined>; release: () => Promise<void> }> {
  const statement = quoteIdentifier(name);
  await query("SELECT pg_catalog.set_config('plan_cache_mode', 'force_generic_plan', true)");
  await query(`PREPARE ${statement} (text, text) AS ${DESCRIBE_SQL}`);
  return {
    describe: async () => {
      const { rows } = await query(`EXECUTE ${statement} (${quoteLiteral(target.schema)}, ${quoteLiteral(target.table)})`);
      if (rows.length === 0) return undefined;
      const text = String(rows[0]!.description);
      return { description: JSON.parse(text) as TargetDescription, text };
    },
    release: async () => {
      await query(`DEALLOCATE ${statement}`);
    },
  };
}

/** The top-level parts of two descriptions that differ, for saying what changed. */
export function changedParts(before: string, after: string): string[] {
  const left = JSON.parse(before) as Record<string, unknown>;
  const right = JSON.parse(after) as Record<string, unknown>;
  return Object.keys({ ...left, ...right }).filter((key) => JSON.stringify(left[key]) !== JSON.stringify(right[key]));
}
