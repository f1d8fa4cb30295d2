/**
 * The target's indexes — primary key, unique and exclusion constraints, plain, partial and
 * expression indexes — and its extended statistics, rebuilt on the loaded stash under temporary
 * names (index names are unique per schema, and the target still holds the real ones), then
 * given the real names inside the swap, which the old table's objects give up.
 *
 * Definitions come from pg_get_indexdef and pg_get_constraintdef, read with an empty search_path
 * so every name in them carries its schema. The part of an index definition that names the index
 * and its table is checked to be exactly what PostgreSQL prints before it is replaced, so the
 * rest (method, columns, expressions, INCLUDE, WITH, WHERE) is reused unchanged.
 */
import { displayName } from "../quoteIdentifier.js";
import { quoteIdentifier, quoteLiteral, qualifiedName } from "../../../sql/quoteSql.js";
import type { StashPlan } from "./stashTable.js";
import { retiredName, temporaryIndexName, temporaryStatisticsName } from "./temporaryNames.js";

export interface IndexFacts {
  name: string;
  unique: boolean;
  /** False for an index a failed CREATE INDEX CONCURRENTLY left behind; it is not carried over. */
  valid: boolean;
  /** p = primary key, u = unique, x = exclusion; null for an index that backs no constraint. */
  constraintType: "p" | "u" | "x" | null;
  constraintDefinition: string | null;
  constraintComment: string | null;
  definition: string;
  /** `USING btree (…) …`: the definition after `CREATE INDEX name ON table `; null if it did not match. */
  definitionTail: string | null;
  tablespace: string | null;
  clustered: boolean;
  replicaIdentity: boolean;
  comment: string | null;
}

export interface CheckFacts {
  name: string;
  definition: string;
}

export interface StatisticsFacts {
  schema: string;
  name: string;
  owner: string;
  /** Per-object statistics target; null or negative = the default. */
  target: number | null;
  comment: string | null;
  definition: string;
  /** What comes between `CREATE STATISTICS name` and ` FROM table`; null if it did not match. */
  body: string | null;
}

/** JSON array of IndexFacts for the table `t` in namespace `n`. */
export const INDEXES_SQL = `(SELECT coalesce(json_agg(json_build_object(
    'name', ic.relname,
    'unique', i.indisunique,
    'valid', i.indisvalid,
    'constraintType', c.contype,
    'constraintDefinition', pg_get_constraintdef(c.oid),
    'constraintComment', obj_description(c.oid, 'pg_constraint'),
    'definition', d.definition,
    'definitionTail', CASE WHEN starts_with(d.definition, d.prefix) THEN substr(d.definition, length(d.prefix) + 1) END,
    'tablespace', ts.spcname,
    'clustered', i.indisclustered,
    'replicaIdentity', i.indisreplident,
    'comment', obj_description(ic.oid, 'pg_class'))
  ORDER BY ic.relname), '[]')
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  LEFT JOIN pg_tablespace ts ON ts.oid = ic.reltablespace
  LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')
  CROSS JOIN LATERAL (SELECT pg_get_indexdef(i.indexrelid) AS definition,
    format('CREATE %sINDEX %I ON %I.%I ', CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END, ic.relname, n.nspname, t.relname) AS prefix) d
  WHERE i.indrelid = t.oid)`;

/** JSON array of CheckFacts (the stash gets these from CREATE TABLE … LIKE; read to notice changes). */
export const CHECKS_SQL = `(SELECT coalesce(json_agg(json_build_object('name', c.conname, 'definition', pg_get_constraintdef(c.oid)) ORDER BY c.conname), '[]')
  FROM pg_constraint c WHERE c.conrelid = t.oid AND c.contype = 'c')`;

/** JSON array of StatisticsFacts. */
export const STATISTICS_SQL = `(SELECT coalesce(json_agg(json_build_object(
    'schema', sn.nspname,
    'name', s.stxname,
    'owner', pg_get_userbyid(s.stxowner),
    'target', s.stxstattarget,
    'comment', obj_description(s.oid, 'pg_statistic_ext'),
    'definition', d.definition,
    'body', CASE WHEN starts_with(d.definition, d.prefix) AND right(d.definition, length(d.suffix)) = d.suffix
      THEN substr(d.definition, length(d.prefix) + 1, length(d.definition) - length(d.prefix) - length(d.suffix)) END)
  ORDER BY sn.nspname, s.stxname), '[]')
  FROM pg_statistic_ext s
  JOIN pg_namespace sn ON sn.oid = s.stxnamespace
  CROSS JOIN LATERAL (SELECT pg_get_statisticsobjdef(s.oid) AS definition,
    'CREATE STATISTICS ' || quote_ident(sn.nspname) || '.' || quote_ident(s.stxname) AS prefix,
    ' FROM ' || quote_ident(n.nspname) || '.' || quote_ident(t.relname) AS suffix) d
  WHERE s.stxrelid = t.oid)`;

/** The indexes the stash gets, in the order that numbers their temporary names. */
export function carriedIndexes(plan: StashPlan): IndexFacts[] {
  return plan.description.indexes.filter((index) => index.valid);
}

/** Why an index or statistics object cannot be rebuilt from its definition (none expected). */
export function unreproducibleIndexes(indexes: IndexFacts[], statistics: StatisticsFacts[], table: string): string[] {
  const problems: string[] = [];
  for (const index of indexes) {
    if (index.valid && index.constraintType === null && index.definitionTail === null) {
      problems.push(`index ${quoteIdentifier(index.name)} of ${table} has a definition this version cannot rebuild (${index.definition})`);
    }
  }
  for (const object of statistics) {
    if (object.body === null)
      problems.push(`statistics object ${displayName(object.schema, object.name)} has a definition this version cannot rebuild (${object.definition})`);
  }
  return problems;
}

/** Builds indexes, index-backed constraints and statistics on the loaded stash. */
export function stashIndexStatements(plan: StashPlan): string[] {
  const { schema, table } = plan.target;
  const stash = qualifiedName(schema, plan.stash);
  const statements: string[] = [];
  carriedIndexes(plan).forEach((index, position) => {
    const name = temporaryIndexName(table, plan.tag, position);
    if (index.constraintType !== null) {
      statements.push(`ALTER TABLE ${stash} ADD CONSTRAINT ${quoteIdentifier(name)} ${index.constraintDefinition}`);
      if (index.constraintComment !== null)
        statements.push(`COMMENT ON CONSTRAINT ${quoteIdentifier(name)} ON ${stash} IS ${quoteLiteral(index.constraintComment)}`);
    } else {
      // pg_get_indexdef leaves the tablespace out; default_tablespace puts the index there.
      if (index.tablespace !== null) statements.push(`SELECT pg_catalog.set_config('default_tablespace', ${quoteLiteral(index.tablespace)}, true)`);
      statements.push(`CREATE ${index.unique ? "UNIQUE " : ""}INDEX ${quoteIdentifier(name)} ON ${stash} ${index.definitionTail}`);
      if (index.tablespace !== null) statements.push(`SELECT pg_catalog.set_config('default_tablespace', '', true)`);
    }
    if (index.comment !== null) statements.push(`COMMENT ON INDEX ${qualifiedName(schema, name)} IS ${quoteLiteral(index.comment)}`);
    if (index.clustered) statements.push(`ALTER TABLE ${stash} CLUSTER ON ${quoteIdentifier(name)}`);
    if (index.replicaIdentity) statements.push(`ALTER TABLE ${stash} REPLICA IDENTITY USING INDEX ${quoteIdentifier(name)}`);
  });
  const identity = plan.description.table.replicaIdentity;
  if (identity === "f") statements.push(`ALTER TABLE ${stash} REPLICA IDENTITY FULL`);
  if (identity === "n") statements.push(`ALTER TABLE ${stash} REPLICA IDENTITY NOTHING`);

  plan.description.statistics.forEach((object, position) => {
    const name = qualifiedName(object.schema, temporaryStatisticsName(table, plan.tag, position));
    statements.push(`CREATE STATISTICS ${name}${object.body} FROM ${stash}`);
    if (object.target !== null && object.target >= 0) statements.push(`ALTER STATISTICS ${name} SET STATISTICS ${object.target}`);
    if (object.comment !== null) statements.push(`COMMENT ON STATISTICS ${name} IS ${quoteLiteral(object.comment)}`);
    statements.push(`ALTER STATISTICS ${name} OWNER TO ${quoteIdentifier(object.owner)}`);
  });
  return statements;
}

/**
 * Inside the swap, after the renames of the tables: each index (and so its constraint) and
 * statistics object of the old table gives its name up to its counterpart on the new one.
 */
export function indexRenameStatements(plan: StashPlan): string[] {
  const { schema, table } = plan.target;
  const rename = (kind: "INDEX" | "STATISTICS", objectSchema: string, from: string, to: string) =>
    `ALTER ${kind} ${qualifiedName(objectSchema, from)} RENAME TO ${quoteIdentifier(to)}`;
  const statements: string[] = [];
  carriedIndexes(plan).forEach((index, position) => {
    statements.push(
      rename("INDEX", schema, index.name, retiredName(table, plan.tag, "index", position)),
      rename("INDEX", schema, temporaryIndexName(table, plan.tag, position), index.name),
    );
  });
  plan.description.statistics.forEach((object, position) => {
    statements.push(
      rename("STATISTICS", object.schema, object.name, retiredName(table, plan.tag, "statistics", position)),
      rename("STATISTICS", object.schema, temporaryStatisticsName(table, plan.tag, position), object.name),
    );
  });
  return statements;
}
