/**
 * Rows loaded with their keys leave the target's own sequences (serial, identity) where they
 * stood, and the next insert taking a default key would collide with a loaded row. As pgloader
 * does, each sequence owned by a column of the target is moved to the column's largest value —
 * forward only: a sequence already past it (or counting down) is left alone.
 */
import { displayName } from "./quoteIdentifier.js";
import { quoteIdentifier, qualifiedName } from "../../sql/quoteSql.js";
import type { Query } from "./transaction.js";

const OWNED_SEQUENCES_SQL = `select sn.nspname as schema, s.relname as name, a.attname as column
    from pg_catalog.pg_depend dep
    join pg_catalog.pg_class s on s.oid = dep.objid and s.relkind = 'S'
    join pg_catalog.pg_namespace sn on sn.oid = s.relnamespace
    join pg_catalog.pg_sequence ps on ps.seqrelid = s.oid and ps.seqincrement > 0
    join pg_catalog.pg_attribute a on a.attrelid = dep.refobjid and a.attnum = dep.refobjsubid
   where dep.classid = 'pg_catalog.pg_class'::regclass and dep.refclassid = 'pg_catalog.pg_class'::regclass
     and dep.refobjid = $1::regclass and dep.deptype in ('a', 'i')
   order by a.attnum, s.relname`;

/** Sets each owned sequence of `table` past its column's largest value; returns those it moved (name → value). */
export async function advanceOwnedSequences(query: Query, schema: string, table: string): Promise<Record<string, number>> {
  const target = qualifiedName(schema, table);
  const advanced: Record<string, number> = {};
  for (const owned of (await query(OWNED_SEQUENCES_SQL, [target])).rows) {
    const sequence = qualifiedName(String(owned.schema), String(owned.name));
    const moved = await query(
      `select pg_catalog.setval($1::regclass, m.high) as value
         from (select max(${quoteIdentifier(String(owned.column))})::int8 as high from ${target}) as m, ${sequence} as s
        where m.high > s.last_value or (m.high = s.last_value and not s.is_called)`,
      [sequence],
    );
    const value = moved.rows[0]?.value;
    if (value !== undefined) advanced[displayName(String(owned.schema), String(owned.name))] = Number(value);
  }
  return advanced;
}
