/**
 * Views that read the target. A view refers to its tables by OID, so after the rename it would
 * still read the old table (and block its drop); the swap re-creates each view that reads the
 * target directly with CREATE OR REPLACE VIEW and the definition read before the copy. The view
 * keeps its OID, owner, grants, comments and dependents, so views on such views need nothing.
 *
 * Each such view is locked before the target: a reader of the view takes the view's lock first
 * and then the table's, and taking them in the other order could deadlock with it.
 */
import { optionsClause } from "../quoteIdentifier.js";
import { quoteIdentifier, qualifiedName } from "../../../sql/quoteSql.js";
import type { StashPlan } from "./stashTable.js";

export interface DependentViewFacts {
  schema: string;
  name: string;
  /** v = view, m = materialized view (refused). */
  kind: "v" | "m";
  owner: string;
  /** Whether this session may re-create it (owns it, or can act as its owner). */
  mayReplace: boolean;
  /** reloptions, `name=value`: check_option, security_barrier, security_invoker. */
  options: string[] | null;
  /** pg_get_viewdef, read with an empty search_path; null for a materialized view. */
  definition: string | null;
}

/** JSON array of DependentViewFacts: views and materialized views whose query names the target. */
export const DEPENDENT_VIEWS_SQL = `(SELECT coalesce(json_agg(json_build_object(
    'schema', vn.nspname,
    'name', v.relname,
    'kind', v.relkind,
    'owner', pg_get_userbyid(v.relowner),
    'mayReplace', pg_has_role(v.relowner, 'USAGE'),
    'options', v.reloptions,
    'definition', CASE WHEN v.relkind = 'v' THEN pg_get_viewdef(v.oid) END)
  ORDER BY vn.nspname, v.relname), '[]')
  FROM pg_class v
  JOIN pg_namespace vn ON vn.oid = v.relnamespace
  WHERE v.oid IN (SELECT r.ev_class FROM pg_depend dep JOIN pg_rewrite r ON r.oid = dep.objid
    WHERE dep.classid = 'pg_rewrite'::regclass AND dep.refclassid = 'pg_class'::regclass
      AND dep.refobjid = t.oid AND dep.deptype = 'n' AND r.ev_class <> t.oid))`;

const viewsToReplace = (plan: StashPlan) => plan.description.views.filter((view) => view.kind === "v");

/**
 * Takes each view's ACCESS EXCLUSIVE lock. ALTER VIEW … OWNER TO its own owner changes nothing
 * but locks only the view, where LOCK TABLE on a view would also lock every table it reads.
 */
export function viewLockStatements(plan: StashPlan): string[] {
  return viewsToReplace(plan).map((view) => `ALTER VIEW ${qualifiedName(view.schema, view.name)} OWNER TO ${quoteIdentifier(view.owner)}`);
}

/** Inside the swap, once the stash has the target's name: points each view at it. */
export function viewReplaceStatements(plan: StashPlan): string[] {
  return viewsToReplace(plan).map((view) => {
    // CREATE OR REPLACE VIEW resets the options it is not given, so they are given again.
    const query = view.definition!.trim().replace(/;$/, "");
    return `CREATE OR REPLACE VIEW ${qualifiedName(view.schema, view.name)}${optionsClause(view.options)} AS ${query}`;
  });
}
