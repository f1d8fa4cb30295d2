/**
 * What an overwrite swap cannot carry over, found before any row is copied. Dropping the old
 * table would fail on some of these (and roll the swap back) and silently take others with it
 * (rules, publication membership), so each one is refused up front with what to do instead.
 */
import type { TargetDescription } from "./describeTarget.js";
import { unreproducibleIndexes } from "./indexesAndKeys.js";
import { displayName } from "../quoteIdentifier.js";
import { unreproducibleTriggers } from "./triggersAndPolicies.js";

type Names = [schema: string, name: string][];

export interface SwapObstacles {
  /** Tables the target inherits from (or is a partition of). */
  parents: Names;
  /** Inheritance children (or partitions) of the target. */
  children: Names;
  rules: string[];
  publications: string[];
  /** pg_describe_object of anything else that depends on the target or its row type. */
  otherDependents: string[];
}

const relationNames = (condition: string, joinColumn: string) =>
  `(SELECT coalesce(json_agg(json_build_array(rn.nspname, r.relname) ORDER BY rn.nspname, r.relname), '[]')
    FROM pg_inherits i JOIN pg_class r ON r.oid = i.${joinColumn} JOIN pg_namespace rn ON rn.oid = r.relnamespace WHERE ${condition})`;

/**
 * Normal dependencies on the table or its row type, less those the swap handles: views (replaced),
 * materialized views, inheritance children (refused on their own), foreign keys (moved), and the
 * table's own parts.
 */
const OTHER_DEPENDENTS_SQL = `(SELECT coalesce(json_agg(DISTINCT pg_describe_object(dep.classid, dep.objid, dep.objsubid)), '[]')
  FROM pg_depend dep
  WHERE dep.deptype = 'n'
    AND ((dep.refclassid = 'pg_class'::regclass AND dep.refobjid = t.oid)
      OR (dep.refclassid = 'pg_type'::regclass AND dep.refobjid IN (t.reltype, (SELECT ty.typarray FROM pg_type ty WHERE ty.oid = t.reltype))))
    AND NOT (dep.classid = 'pg_class'::regclass AND dep.objid = t.oid)
    AND NOT (dep.classid = 'pg_class'::regclass AND EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = dep.objid AND i.inhparent = t.oid))
    AND NOT (dep.classid = 'pg_rewrite'::regclass AND EXISTS (SELECT FROM pg_rewrite r JOIN pg_class rc ON rc.oid = r.ev_class
      WHERE r.oid = dep.objid AND (rc.relkind IN ('v', 'm') OR r.ev_class = t.oid)))
    AND NOT (dep.classid = 'pg_constraint'::regclass AND EXISTS (SELECT FROM pg_constraint c
      WHERE c.oid = dep.objid AND (c.conrelid = t.oid OR c.contype = 'f')))
    AND NOT (dep.classid = 'pg_policy'::regclass AND EXISTS (SELECT FROM pg_policy p WHERE p.oid = dep.objid AND p.polrelid = t.oid))
    AND NOT (dep.classid = 'pg_trigger'::regclass AND EXISTS (SELECT FROM pg_trigger g WHERE g.oid = dep.objid AND g.tgrelid = t.oid))
    AND NOT (dep.classid = 'pg_attrdef'::regclass AND EXISTS (SELECT FROM pg_attrdef ad WHERE ad.oid = dep.objid AND ad.adrelid = t.oid)))`;

/** JSON SwapObstacles for the table `t` in namespace `n`. */
export const OBSTACLES_SQL = `json_build_object(
    'parents', ${relationNames("i.inhrelid = t.oid", "inhparent")},
    'children', ${relationNames("i.inhparent = t.oid", "inhrelid")},
    'rules', (SELECT coalesce(json_agg(r.rulename ORDER BY r.rulename), '[]') FROM pg_rewrite r WHERE r.ev_class = t.oid),
    'publications', (SELECT coalesce(json_agg(DISTINCT p.pubname), '[]') FROM pg_publication_tables p WHERE p.schemaname = n.nspname AND p.tablename = t.relname),
    'otherDependents', ${OTHER_DEPENDENTS_SQL})`;

const KINDS: Record<string, string> = {
  v: "a view",
  m: "a materialized view",
  f: "a foreign table",
  S: "a sequence",
  c: "a composite type",
  i: "an index",
  I: "a partitioned index",
  t: "a TOAST table",
};
const listNames = (names: Names) => names.map(([schema, name]) => displayName(schema, name)).join(", ");

/** One sentence per reason the target cannot be overwritten by a swap; empty when it can. */
export function swapRefusals(description: TargetDescription): string[] {
  const { table, obstacles } = description;
  const target = displayName(table.schema, table.name);
  if (table.kind === "p") {
    return [`${target} is a partitioned table, and a swap replaces one plain table; use mode upsert, or delete its rows in a sql step and use mode append`];
  }
  if (table.kind !== "r") return [`${target} is ${KINDS[table.kind] ?? `a relation of kind ${table.kind}`}, not a table; overwrite needs a table`];

  const refusals: string[] = [];
  if (obstacles.parents.length > 0) {
    const how = table.isPartition ? "is a partition of" : "inherits from";
    refusals.push(`${target} ${how} ${listNames(obstacles.parents)}, and the swapped-in table would not; use mode upsert (or append) instead`);
  }
  if (obstacles.children.length > 0) {
    refusals.push(
      `${target} has inheritance children (${listNames(obstacles.children)}), which a swap cannot carry over; use mode upsert, or copy into each child table`,
    );
  }
  for (const view of description.views.filter((candidate) => candidate.kind === "m")) {
    refusals.push(
      `materialized view ${displayName(view.schema, view.name)} reads ${target}, and a swap cannot re-point it; drop it before the copy and re-create it after (sql steps), put a view between them, or use mode upsert`,
    );
  }
  for (const key of description.incomingForeignKeys.filter((candidate) => candidate.kind === "p")) {
    refusals.push(
      `partitioned table ${displayName(key.schema, key.table)} has foreign key ${key.name} to ${target}; PostgreSQL cannot re-add it NOT VALID, so moving it would scan every row while readers wait; drop the key before the copy and add it back after, or use mode upsert`,
    );
  }
  for (const view of description.views.filter((candidate) => candidate.kind === "v" && !candidate.mayReplace)) {
    refusals.push(
      `view ${displayName(view.schema, view.name)} reads ${target} and must be re-created by the swap, which only its owner ${view.owner} may do; run the step as ${view.owner} (or a member of it)`,
    );
  }
  for (const key of description.incomingForeignKeys.filter((candidate) => candidate.kind !== "p" && !candidate.mayAlter)) {
    refusals.push(
      `foreign key ${key.name} of ${displayName(key.schema, key.table)} references ${target} and must be moved by the swap, which only the owner of ${displayName(key.schema, key.table)} may do; run the step as that owner (or a member of it)`,
    );
  }
  for (const rule of obstacles.rules) {
    refusals.push(`${target} has rule ${rule}, which a swap would lose; replace it with a trigger, or use mode upsert`);
  }
  if (obstacles.publications.length > 0) {
    refusals.push(
      `${target} is published (${obstacles.publications.join(", ")}); a swap is not replicated, so subscribers would keep the old rows; use mode upsert (or append)`,
    );
  }
  for (const dependent of obstacles.otherDependents) {
    refusals.push(
      `${dependent} depends on ${target}, and dropping the old table would need to drop it too; drop it before the copy and re-create it after, or use mode upsert`,
    );
  }
  refusals.push(...unreproducibleIndexes(description.indexes, description.statistics, target), ...unreproducibleTriggers(description.triggers, target));
  return refusals;
}
