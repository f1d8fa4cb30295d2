/**
 * Triggers, row-level security and its policies, recreated on the stash after the load (so no
 * trigger fires for the copied rows) and before the swap. Both are named per table, so they take
 * the target's names at once and follow the stash through the rename.
 *
 * A trigger's definition (pg_get_triggerdef) names its table in the middle; everything before
 * that is rebuilt here exactly as PostgreSQL prints it and checked, so the rest (FOR EACH …,
 * WHEN, REFERENCING, the function and its arguments) is reused unchanged.
 */
import { quoteRole } from "../quoteIdentifier.js";
import { quoteIdentifier, quoteLiteral, qualifiedName } from "../../../sql/quoteSql.js";
import type { StashPlan } from "./stashTable.js";

export interface TriggerFacts {
  name: string;
  /** O = enabled, D = disabled, R = replica only, A = always. */
  enabled: "O" | "D" | "R" | "A";
  /** Made by CREATE CONSTRAINT TRIGGER. */
  constraint: boolean;
  /** `BEFORE INSERT OR UPDATE OF a, b`. */
  head: string;
  /** The definition after ` ON schema.table `; null if it did not match. */
  tail: string | null;
  definition: string;
  comment: string | null;
}

export interface PolicyFacts {
  name: string;
  permissive: boolean;
  /** r = SELECT, a = INSERT, w = UPDATE, d = DELETE, * = ALL. */
  command: "r" | "a" | "w" | "d" | "*";
  /** null stands for PUBLIC. */
  roles: (string | null)[];
  using: string | null;
  withCheck: string | null;
  comment: string | null;
}

const TRIGGER_HEAD = `(CASE WHEN tg.tgtype & 2 <> 0 THEN 'BEFORE' WHEN tg.tgtype & 64 <> 0 THEN 'INSTEAD OF' ELSE 'AFTER' END || ' ' ||
    concat_ws(' OR ',
      CASE WHEN tg.tgtype & 4 <> 0 THEN 'INSERT' END,
      CASE WHEN tg.tgtype & 8 <> 0 THEN 'DELETE' END,
      CASE WHEN tg.tgtype & 16 <> 0 THEN 'UPDATE' || coalesce(' OF ' || (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.position)
        FROM unnest(tg.tgattr::int2[]) WITH ORDINALITY AS k(attnum, position)
        JOIN pg_attribute a ON a.attrelid = tg.tgrelid AND a.attnum = k.attnum), '') END,
      CASE WHEN tg.tgtype & 32 <> 0 THEN 'TRUNCATE' END))`;

/** JSON array of TriggerFacts (user triggers only; foreign keys' internal ones come with the keys). */
export const TRIGGERS_SQL = `(SELECT coalesce(json_agg(json_build_object(
    'name', tg.tgname,
    'enabled', tg.tgenabled,
    'constraint', tg.tgconstraint <> 0,
    'head', d.head,
    'tail', CASE WHEN starts_with(d.definition, d.prefix) THEN substr(d.definition, length(d.prefix) + 1) END,
    'definition', d.definition,
    'comment', obj_description(tg.oid, 'pg_trigger'))
  ORDER BY tg.tgname), '[]')
  FROM pg_trigger tg
  CROSS JOIN LATERAL (SELECT ${TRIGGER_HEAD} AS head) h
  CROSS JOIN LATERAL (SELECT pg_get_triggerdef(tg.oid) AS definition, h.head,
    format('CREATE %sTRIGGER %I %s ON %I.%I ', CASE WHEN tg.tgconstraint <> 0 THEN 'CONSTRAINT ' ELSE '' END, tg.tgname, h.head, n.nspname, t.relname) AS prefix) d
  WHERE tg.tgrelid = t.oid AND NOT tg.tgisinternal)`;

/** JSON array of PolicyFacts. */
export const POLICIES_SQL = `(SELECT coalesce(json_agg(json_build_object(
    'name', p.polname,
    'permissive', p.polpermissive,
    'command', p.polcmd,
    'roles', (SELECT json_agg(CASE WHEN r.role = 0 THEN NULL ELSE pg_get_userbyid(r.role) END ORDER BY r.role = 0, pg_get_userbyid(r.role)) FROM unnest(p.polroles) AS r(role)),
    'using', pg_get_expr(p.polqual, p.polrelid),
    'withCheck', pg_get_expr(p.polwithcheck, p.polrelid),
    'comment', obj_description(p.oid, 'pg_policy'))
  ORDER BY p.polname), '[]')
  FROM pg_policy p WHERE p.polrelid = t.oid)`;

/** Triggers whose definition could not be split around the table name (none expected). */
export function unreproducibleTriggers(triggers: TriggerFacts[], table: string): string[] {
  return triggers
    .filter((trigger) => trigger.tail === null)
    .map((trigger) => `trigger ${quoteIdentifier(trigger.name)} of ${table} has a definition this version cannot rebuild (${trigger.definition})`);
}

const ENABLE_CLAUSES: Record<TriggerFacts["enabled"], string | undefined> = {
  O: undefined,
  D: "DISABLE TRIGGER",
  R: "ENABLE REPLICA TRIGGER",
  A: "ENABLE ALWAYS TRIGGER",
};
const POLICY_COMMANDS: Record<PolicyFacts["command"], string> = { r: "SELECT", a: "INSERT", w: "UPDATE", d: "DELETE", "*": "ALL" };

/** Creates the target's triggers, policies and row-level security settings on the stash. */
export function triggerAndPolicyStatements(plan: StashPlan): string[] {
  const stash = qualifiedName(plan.target.schema, plan.stash);
  const statements: string[] = [];
  for (const trigger of plan.description.triggers) {
    const name = quoteIdentifier(trigger.name);
    statements.push(`CREATE ${trigger.constraint ? "CONSTRAINT " : ""}TRIGGER ${name} ${trigger.head} ON ${stash} ${trigger.tail}`);
    const enable = ENABLE_CLAUSES[trigger.enabled];
    if (enable !== undefined) statements.push(`ALTER TABLE ${stash} ${enable} ${name}`);
    if (trigger.comment !== null) statements.push(`COMMENT ON TRIGGER ${name} ON ${stash} IS ${quoteLiteral(trigger.comment)}`);
  }
  for (const policy of plan.description.policies) {
    const name = quoteIdentifier(policy.name);
    statements.push(
      `CREATE POLICY ${name} ON ${stash} AS ${policy.permissive ? "PERMISSIVE" : "RESTRICTIVE"} FOR ${POLICY_COMMANDS[policy.command]} ` +
        `TO ${policy.roles.map(quoteRole).join(", ")}` +
        (policy.using === null ? "" : ` USING (${policy.using})`) +
        (policy.withCheck === null ? "" : ` WITH CHECK (${policy.withCheck})`),
    );
    if (policy.comment !== null) statements.push(`COMMENT ON POLICY ${name} ON ${stash} IS ${quoteLiteral(policy.comment)}`);
  }
  if (plan.description.table.rowSecurity) statements.push(`ALTER TABLE ${stash} ENABLE ROW LEVEL SECURITY`);
  if (plan.description.table.forceRowSecurity) statements.push(`ALTER TABLE ${stash} FORCE ROW LEVEL SECURITY`);
  return statements;
}
