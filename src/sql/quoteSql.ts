/**
 * Quoting for SQL text that cannot take parameters: DDL names objects, COPY (query) TO and
 * multi-statement SQL take no `$1`. Every name is always double-quoted (never "quote only when
 * needed"), so no keyword list can go stale and no name can end the identifier early.
 */

/** `"name"`, with embedded double quotes doubled: safe for any name PostgreSQL can store. */
export function quoteIdentifier(name: string): string {
  if (name.includes("\0")) throw new TypeError(`an SQL identifier cannot contain a NUL character: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."name"`: a relation by its exact, case-sensitive names. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}

/**
 * A string constant, as PostgreSQL's own quote_literal writes it: quotes doubled, and when there
 * is a backslash, an E'' string with backslashes doubled — so the text means the same whatever
 * standard_conforming_strings is set to.
 */
export function quoteLiteral(value: string): string {
  if (value.includes("\0")) throw new TypeError("an SQL string constant cannot contain a NUL character");
  const quoted = value.replaceAll("'", "''");
  return value.includes("\\") ? `E'${quoted.replaceAll("\\", "\\\\")}'` : `'${quoted}'`;
}

/** The body of an E'…' string holding `value`: quotes and backslashes doubled. */
export function escapeStringBody(value: string): string {
  if (value.includes("\0")) throw new TypeError("an SQL string constant cannot contain a NUL character");
  return value.replaceAll("\\", "\\\\").replaceAll("'", "''");
}

/**
 * A JSON value as one SQL literal of its own type: text quoted, a number as a number (a negative
 * one in parentheses, so `-${x}` never becomes a `--` comment), true/false, NULL for null and
 * missing, lists and objects as quoted JSON text.
 */
export function quoteValue(value: unknown): string {
  if (value === undefined || value === null) return "NULL";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`${value} is not a number SQL can hold`);
    return value < 0 ? `(${value})` : String(value);
  }
  if (typeof value === "bigint") return value < 0n ? `(${value})` : String(value);
  if (typeof value === "string") return quoteLiteral(value);
  return quoteLiteral(JSON.stringify(value));
}
