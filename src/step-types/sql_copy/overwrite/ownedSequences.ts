/**
 * Sequences that belong to the target's columns. A serial column's sequence is shared: the
 * stash's copied default already calls it, and the swap moves its OWNED BY to the new table
 * before the old one is dropped (which would drop the sequence with it), so numbering simply
 * continues. An identity column has a sequence of its own on each table: the swap sets the
 * stash's to where the target's stood and gives it the old sequence's name.
 */
import { quoteIdentifier, quoteLiteral, qualifiedName } from "../../../sql/quoteSql.js";
import type { StashPlan } from "./stashTable.js";
import { retiredName } from "./temporaryNames.js";
import { privilegesSql, readPrivileges, replacePrivilegesStatements, type Privilege } from "./tablePrivileges.js";
import type { Query } from "../transaction.js";

export interface OwnedSequenceFacts {
  schema: string;
  name: string;
  column: string;
  /** The sequence's ACL, defaults spelled out. */
  privileges: Privilege[];
}

/** Deptype a = OWNED BY (serial), i = identity. */
const ownedSequencesSql = (deptype: "a" | "i", table: string) => `(SELECT coalesce(json_agg(json_build_object(
    'schema', sn.nspname,
    'name', s.relname,
    'column', a.attname,
    'privileges', ${privilegesSql("coalesce(s.relacl, acldefault('s', s.relowner))")})
  ORDER BY a.attnum, s.relname), '[]')
  FROM pg_depend dep
  JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
  JOIN pg_namespace sn ON sn.oid = s.relnamespace
  JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
  WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
    AND dep.refobjid = ${table} AND dep.deptype = '${deptype}')`;

/** JSON array of OwnedSequenceFacts for serial (OWNED BY) sequences of the table `t`. */
export const SERIAL_SEQUENCES_SQL = ownedSequencesSql("a", "t.oid");
/** JSON array of OwnedSequenceFacts for identity sequences of the table `t`. */
export const IDENTITY_SEQUENCES_SQL = ownedSequencesSql("i", "t.oid");

/** The identity sequences CREATE TABLE … LIKE gave the stash. */
export async function readStashIdentitySequences(query: Query, schema: string, stash: string): Promise<OwnedSequenceFacts[]> {
  const { rows } = await query(
    `SELECT ${ownedSequencesSql("i", "c.oid")}::text AS sequences FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, stash],
  );
  return JSON.parse(String(rows[0]?.sequences ?? "[]")) as OwnedSequenceFacts[];
}

/** Pairs each identity sequence of the target with the stash's for the same column. */
function identityPairs(plan: StashPlan): { target: OwnedSequenceFacts; stash: OwnedSequenceFacts }[] {
  return plan.description.identitySequences.map((target) => {
    const stash = plan.stashIdentitySequences.find((candidate) => candidate.column === target.column);
    if (!stash) throw new Error(`the stash ${plan.stash} has no identity sequence for column ${target.column}`);
    return { target, stash };
  });
}

/** Before the swap: the stash's identity sequences get the grants the target's have. */
export async function identitySequencePrivilegeStatements(query: Query, plan: StashPlan): Promise<string[]> {
  const statements: string[] = [];
  for (const { target, stash } of identityPairs(plan)) {
    const current = await readPrivileges(query, stash.schema, stash.name, "s");
    statements.push(...replacePrivilegesStatements(`SEQUENCE ${qualifiedName(stash.schema, stash.name)}`, current, target.privileges));
  }
  return statements;
}

/** Inside the swap, after the renames of the tables. */
export function sequenceSwapStatements(plan: StashPlan): string[] {
  const target = qualifiedName(plan.target.schema, plan.target.table);
  const serial = plan.description.serialSequences.map(
    (sequence) => `ALTER SEQUENCE ${qualifiedName(sequence.schema, sequence.name)} OWNED BY ${target}.${quoteIdentifier(sequence.column)}`,
  );
  const identity = identityPairs(plan).map(
    ({ target: old, stash }) =>
      `SELECT pg_catalog.setval(${quoteLiteral(qualifiedName(stash.schema, stash.name))}::regclass, last_value, is_called) FROM ${qualifiedName(old.schema, old.name)}`,
  );
  return [...serial, ...identity];
}

/** Inside the swap, after sequenceSwapStatements: the old identity sequences give their names up. */
export function identitySequenceRenameStatements(plan: StashPlan): string[] {
  return identityPairs(plan).flatMap(({ target, stash }, position) => [
    `ALTER SEQUENCE ${qualifiedName(target.schema, target.name)} RENAME TO ${quoteIdentifier(retiredName(plan.target.table, plan.tag, "sequence", position))}`,
    `ALTER SEQUENCE ${qualifiedName(stash.schema, stash.name)} RENAME TO ${quoteIdentifier(target.name)}`,
  ]);
}
