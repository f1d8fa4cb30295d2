/**
 * User-defined types a created target needs (enums, domains, composites, and what they are built
 * on), made on the target as the source defines them, in the same schema, when missing there.
 * Types sql_copy cannot make (an extension's, a range, a base type in C) are named with what to
 * run instead.
 */
import type { Session } from "../../connectors/connector.js";
import { StepError } from "../../errors/nomaflowError.js";
import { displayIdentifier, displayName } from "./quoteIdentifier.js";
import { quoteIdentifier, quoteLiteral, qualifiedName } from "../../sql/quoteSql.js";
import { FIRST_USER_OID, type ColumnInfo } from "./tableColumns.js";
import { inTransaction, queryOf } from "./transaction.js";

interface TypeFacts {
  oid: number;
  schema: string;
  name: string;
  /** pg_type.typtype: e enum, d domain, c composite, r range, b base (or an array: `element`). */
  kind: string;
  /** An array's element type, else 0. */
  element: number;
  extension: string | null;
  labels: string[] | null;
  base: string | null;
  baseOid: number;
  notNull: boolean;
  default: string | null;
  constraints: string[];
  /** Composite attributes: name, type as PostgreSQL writes it, type OID. */
  attributes: Array<[string, string, number]>;
}

/** Read with an empty search_path (inTransaction), so every type named in them is qualified. */
const TYPES_SQL = `SELECT t.oid::int8 AS oid, n.nspname AS schema, t.typname AS name, t.typtype::text AS kind,
    CASE WHEN t.typlen = -1 AND t.typelem <> 0 AND t.typtype = 'b' THEN t.typelem::int8 ELSE 0 END AS element,
    (SELECT e.extname FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
      WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e') AS extension,
    (SELECT array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid) AS labels,
    CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base, t.typbasetype::int8 AS base_oid,
    t.typnotnull AS not_null, t.typdefault AS "default",
    coalesce((SELECT array_agg('CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid) ORDER BY c.conname) FROM pg_constraint c WHERE c.contypid = t.oid), '{}') AS constraints,
    coalesce((SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid::int8) ORDER BY a.attnum)
      FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS attributes
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = ANY($1::oid[])`;

/** The user-defined types the columns use, each after those it is built on. */
async function typesNeeded(source: Session, columns: ColumnInfo[]): Promise<TypeFacts[]> {
  const query = queryOf(source);
  const facts = new Map<number, TypeFacts>();
  let wanted = [...new Set(columns.map((column) => column.typeOid))];
  await inTransaction(query, async () => {
    while ((wanted = wanted.filter((oid) => oid >= FIRST_USER_OID && !facts.has(oid))).length > 0) {
      const { rows } = await query(TYPES_SQL, [wanted]);
      wanted = [];
      for (const row of rows) {
        const type: TypeFacts = {
          oid: Number(row.oid),
          schema: String(row.schema),
          name: String(row.name),
          kind: String(row.kind),
          element: Number(row.element),
          extension: row.extension === null ? null : String(row.extension),
          labels: (row.labels as string[] | null) ?? null,
          base: row.base === null ? null : String(row.base),
          baseOid: Number(row.base_oid),
          notNull: row.not_null === true,
          default: row.default === null ? null : String(row.default),
          constraints: (row.constraints as string[]).map(String),
          attributes: (typeof row.attributes === "string" ? JSON.parse(row.attributes) : row.attributes) as Array<[string, string, number]>,
        };
        facts.set(type.oid, type);
        wanted.push(type.element, type.baseOid, ...type.attributes.map(([, , oid]) => Number(oid)));
      }
    }
  });
  const ordered: TypeFacts[] = [];
  const visit = (oid: number) => {
    const type = facts.get(oid);
    if (!type || ordered.includes(type)) return;
    for (const part of [type.element, type.baseOid, ...type.attributes.map(([, , partOid]) => Number(partOid))]) visit(part);
    ordered.push(type);
  };
  for (const column of columns) visit(column.typeOid);
  // Arrays come with their element type.
  return ordered.filter((type) => type.element === 0);
}

function createTypeSql(type: TypeFacts): string | undefined {
  const name = qualifiedName(type.schema, type.name);
  if (type.extension !== null) return undefined;
  if (type.kind === "e") return `CREATE TYPE ${name} AS ENUM (${(type.labels ?? []).map(quoteLiteral).join(", ")})`;
  if (type.kind === "d") {
    return [
      `CREATE DOMAIN ${name} AS ${type.base}`,
      type.default === null ? "" : `DEFAULT ${type.default}`,
      type.notNull ? "NOT NULL" : "",
      ...type.constraints,
    ]
      .filter(Boolean)
      .join(" ");
  }
  if (type.kind === "c")
    return `CREATE TYPE ${name} AS (${type.attributes.map(([attribute, attributeType]) => `${quoteIdentifier(attribute)} ${attributeType}`).join(", ")})`;
  return undefined;
}

/**
 * Creates on the target, in its current transaction, the types the columns need and it lacks;
 * returns their names. Throws, before anything is created, when one cannot be made here.
 */
export async function createMissingTypes(source: Session, target: Session, columns: ColumnInfo[], targetName: string): Promise<string[]> {
  const types = await typesNeeded(source, columns);
  const missing: TypeFacts[] = [];
  for (const type of types) {
    const { rows } = await target.query(
      "SELECT to_regtype($1) IS NOT NULL AS present, EXISTS (SELECT FROM pg_namespace WHERE nspname = $2) AS schema_present",
      [qualifiedName(type.schema, type.name), type.schema],
    );
    if (rows[0]!.present !== true) missing.push({ ...type, kind: rows[0]!.schema_present === true ? type.kind : "no schema" });
  }
  const problems = missing.flatMap((type) => {
    const name = displayName(type.schema, type.name);
    if (type.kind === "no schema")
      return [`type ${name} needs schema ${displayIdentifier(type.schema)}, which the target lacks (CREATE SCHEMA ${displayIdentifier(type.schema)})`];
    if (type.extension !== null)
      return [`type ${name} comes from extension ${type.extension}, which the target lacks (CREATE EXTENSION ${displayIdentifier(type.extension)})`];
    return createTypeSql(type) === undefined
      ? [`type ${name} is not an enum, domain or composite type, so it cannot be copied from the source's definition; create it on the target`]
      : [];
  });
  if (problems.length > 0) {
    throw new StepError(`cannot create ${targetName}: ${problems.join("; ")}`, {
      retryable: false,
      hint: "run that on the target first (a sql step before this one will do)",
    });
  }
  for (const type of missing) await target.query(createTypeSql(type)!);
  return missing.map((type) => displayName(type.schema, type.name));
}
