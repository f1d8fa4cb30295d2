/**
 * The names sql_copy writes into DDL: COMMENT, GRANT or CREATE VIEW take no `$1`. The quoting
 * itself is src/sql/quoteSql.ts, shared with every step that writes values into SQL.
 */
import { quoteIdentifier, quoteLiteral } from "../../sql/quoteSql.js";

/** A table by its exact, case-sensitive names. */
export interface TableName {
  schema: string;
  table: string;
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
