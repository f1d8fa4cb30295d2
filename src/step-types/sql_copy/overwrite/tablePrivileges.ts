/**
 * Grants, read from an ACL and written back as GRANT statements, so the stash ends with the
 * privileges the target has: on the table, on each column, on identity sequences. Every grant is
 * issued as the owner, so a privilege someone with GRANT OPTION gave is kept but is recorded as
 * the owner's (PostgreSQL only lets the grantor itself name a grantor).
 */
import { quoteRole } from "../quoteIdentifier.js";
import { quoteIdentifier } from "../../../sql/quoteSql.js";
import type { Query } from "../transaction.js";

/** One entry of an ACL: a privilege held by a role, or by PUBLIC when `grantee` is null. */
export interface Privilege {
  grantee: string | null;
  /** SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, USAGE, … */
  privilege: string;
  grantable: boolean;
}

/**
 * A scalar subquery: the JSON array of Privilege in `acl` (an aclitem[] expression), in the ACL's
 * own order, so granting them in turn gives back an equal ACL. A NULL ACL means "the defaults",
 * so callers pass `coalesce(acl, acldefault(…))` where the defaults are not nothing (tables,
 * sequences); a NULL column ACL is rightly empty.
 */
export function privilegesSql(acl: string): string {
  return `(SELECT coalesce(json_agg(json_build_object(
      'grantee', CASE WHEN acl_entry.grantee = 0 THEN NULL ELSE pg_get_userbyid(acl_entry.grantee) END,
      'privilege', acl_entry.privilege_type,
      'grantable', acl_entry.is_grantable)
    ORDER BY acl_entry.position), '[]')
    FROM aclexplode(${acl}) WITH ORDINALITY AS acl_entry(grantor, grantee, privilege_type, is_grantable, position))`;
}

const PRIVILEGE_KEYWORD = /^[A-Z][A-Z ]*[A-Z]$/;

/** `object` is e.g. `TABLE "s"."t"` or `SEQUENCE "s"."t_id_seq"`; `column` limits the grants to it. */
export function grantStatements(object: string, privileges: Privilege[], column?: string): string[] {
  const groups = new Map<string, { grantee: string | null; grantable: boolean; privileges: string[] }>();
  for (const entry of privileges) {
    if (!PRIVILEGE_KEYWORD.test(entry.privilege)) throw new Error(`unexpected privilege in an ACL: ${JSON.stringify(entry.privilege)}`);
    const key = JSON.stringify([entry.grantee, entry.grantable]);
    const group = groups.get(key) ?? { grantee: entry.grantee, grantable: entry.grantable, privileges: [] };
    if (!group.privileges.includes(entry.privilege)) group.privileges.push(entry.privilege);
    groups.set(key, group);
  }
  const columnList = column === undefined ? "" : ` (${quoteIdentifier(column)})`;
  return [...groups.values()].map(
    (group) =>
      `GRANT ${group.privileges.map((privilege) => privilege + columnList).join(", ")} ON ${object} TO ${quoteRole(group.grantee)}${group.grantable ? " WITH GRANT OPTION" : ""}`,
  );
}

/**
 * Statements that turn `object`'s ACL from `current` into `wanted`: nothing when they already
 * agree, else every current holder loses all and `wanted` is granted afresh (the stash starts
 * with whatever default privileges its creator has, which the target may not have).
 */
export function replacePrivilegesStatements(object: string, current: Privilege[], wanted: Privilege[]): string[] {
  const key = (entry: Privilege) => JSON.stringify([entry.grantee, entry.privilege, entry.grantable]);
  const currentKeys = new Set(current.map(key));
  const wantedKeys = new Set(wanted.map(key));
  if (currentKeys.size === wantedKeys.size && [...wantedKeys].every((entry) => currentKeys.has(entry))) return [];
  const holders = [...new Set(current.map((entry) => entry.grantee))];
  const revokes = holders.length === 0 ? [] : [`REVOKE ALL ON ${object} FROM ${holders.map(quoteRole).join(", ")}`];
  return [...revokes, ...grantStatements(object, wanted)];
}

/** The ACL of a table or sequence (`kind` r or s, as acldefault wants it), defaults spelled out. */
export async function readPrivileges(query: Query, schema: string, name: string, kind: "r" | "s"): Promise<Privilege[]> {
  const { rows } = await query(
    `SELECT ${privilegesSql('coalesce(c.relacl, acldefault($3::text::"char", c.relowner))')}::text AS privileges
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, name, kind],
  );
  if (rows.length === 0) throw new Error(`${schema}.${name} vanished while its privileges were being copied`);
  return JSON.parse(String(rows[0]!.privileges)) as Privilege[];
}
