/**
 * Quoting for SQL text that cannot take parameters: DDL names objects, and COMMENT, GRANT or
 * CREATE VIEW take no `$1`. Every name is always double-quoted (never "quote only when needed"),
 * so no keyword list can go stale and no name can end the identifier early.
 */

/** A table by its exact, case-sensitive names. */
export interface TableName {
  schema: string;
  table: string;
}

/** `"name"`, with embedded double quotes doubled: safe for any name PostgreSQL can store. */
export function quoteIdentifier(name: string): string {
  if (name.includes("\0")) throw new TypeError(`an SQL identifier cannot contain a NUL character: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."name"`. */
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

/** A role for GRANT, REVOKE and CREATE POLICY: a quoted role name, or PUBLIC for `null`. */
export function quoteRole(role: string | null): string {
  return role === null ? "PUBLIC" : quoteIdentifier(role);
}

const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;

/** One name for messages: quoted only where the plain form would be ambiguous. */
export function displayIdentifier(text: string): string {
  return PLAIN_IDENTIFIER.test(text) ? text : quoteIdentifier(text);
}

/** `schema.table` for messages: quoted only where the plain form would be ambiguous. */
export function displayName(schema: string, name: string): string {
  return `${displayIdentifier(schema)}.${displayIdentifier(name)}`;
}

/** ` WITH (name = 'value', …)` for reloptions (`name=value` strings), or "" when there are none. */
export function optionsClause(options: string[] | null): string {
  if (options === null || options.length === 0) return "";
  const pairs = options.map((option) => {
    const equals = option.indexOf("=");
    return `${quoteIdentifier(option.slice(0, equals))} = ${quoteLiteral(option.slice(equals + 1))}`;
  });
  return ` WITH (${pairs.join(", ")})`;
}
