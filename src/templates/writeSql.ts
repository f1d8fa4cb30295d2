/**
 * Writes values into SQL text so that no value can change the statement: in code a value becomes
 * one literal of its type, in a '…' or E'…' string it is escaped for that string, `${…:ident}`
 * becomes a quoted identifier, and a reference where no value can be quoted safely (a dollar-quoted
 * body, a comment, a quoted identifier, a value glued to a name) is refused. One rule for the sql
 * step, sql_copy's query and plugin fields marked as SQL text; `validate` reports the same places.
 */
import { StepError } from "../errors/nomaflowError.js";
import { IDENT_SUFFIX, valueAsText, type ParsedTemplate, type ReferenceResolver } from "./template.js";
import { escapeStringBody, quoteIdentifier, quoteLiteral, quoteValue } from "../sql/quoteSql.js";
import { sqlSegments, type SqlHole } from "./sqlPlaces.js";

export interface SqlHoleProblem {
  severity: "error" | "warning";
  message: string;
  hint?: string;
}

/** What is wrong with where a reference sits: an error is refused at run time, a warning is written safely. */
export function holeProblem(hole: SqlHole): SqlHoleProblem | undefined {
  const { raw, ident } = hole.reference;
  const asName = ident ? raw : `${raw.slice(0, -1)}${IDENT_SUFFIX}}`;
  switch (hole.place) {
    case "code":
      if (!hole.glued) return undefined;
      return {
        severity: "error",
        message: `${raw} touches a name, a dot or a quote in the SQL; a value is written as one whole literal or name, so it must stand apart`,
        hint: ident
          ? "a name is written whole and quoted: give one reference for the whole name, and write ${params.schema:ident}.${params.table:ident} for schema.table"
          : `to name a table or column write the whole name as ${asName}; to build a text write 'text ' || ${raw}`,
      };
    case "string":
    case "escape-string":
      if (ident) return { severity: "error", message: `${raw} names something, so it cannot sit inside quotes`, hint: `write ${raw} outside the quotes` };
      if (hole.afterBackslash) return { severity: "error", message: `${raw} follows a backslash in an E'…' string, which would escape its first character` };
      return {
        severity: "warning",
        message: `${raw} sits inside quotes in the SQL: its value is escaped into that string, but on its own ${raw} is already written as a quoted literal`,
        hint: `write ${raw} without the quotes (text becomes 'O''Brien', a number a number, null NULL, a list or object JSON text); to build a text write 'text ' || ${raw}`,
      };
    case "other-string":
      return {
        severity: "error",
        message: `${raw} sits in a B'…', X'…', N'…' or U&'…' string, where no value can be written safely`,
        hint: `write ${raw} outside the quotes`,
      };
    case "unclosed-string":
      return { severity: "error", message: `${raw} sits in a string that is never closed` };
    case "dollar-body":
      return {
        severity: "error",
        message: `${raw} sits in a dollar-quoted body ($$…$$), where no value can be written safely`,
        hint: `set it before the body, e.g. select set_config('job.value', ${raw}::text, true); and read current_setting('job.value') inside`,
      };
    case "quoted-identifier":
      return { severity: "error", message: `${raw} sits inside a "quoted identifier"`, hint: `write the whole name as ${asName}, outside the double quotes` };
    case "comment":
      return { severity: "error", message: `${raw} sits in an SQL comment`, hint: "remove it, or write $${ to keep the text as it is" };
  }
}

/**
 * The SQL text of `field` with every reference's value written for its place; refusals throw a
 * StepError. An env value is a secret, so its escaped forms go to `addSecret`: an SQL error may
 * quote the statement.
 */
export function writeSql(parsed: ParsedTemplate, resolve: ReferenceResolver, field: string, addSecret: (form: string) => void = () => {}): string {
  const refuse = (message: string): never => {
    throw new StepError(`${field}: ${message}`, { retryable: false });
  };
  const refuseNul = (hole: SqlHole, what: string): never => refuse(`${hole.reference.raw}: the value holds a NUL character, which ${what} cannot hold`);
  const check = (hole: SqlHole) => {
    const problem = holeProblem(hole);
    if (problem?.severity === "error") refuse(problem.message);
  };
  const resolveValue = (hole: SqlHole): unknown => {
    check(hole);
    const value = resolve(hole.reference);
    if (hole.reference.kind === "env" && typeof value === "string") {
      addSecret(value.replaceAll("'", "''"));
      addSecret(escapeStringBody(value.replaceAll("\0", "")));
    }
    return value;
  };
  /** The value as text inside a string literal. */
  const inString = (hole: SqlHole): string => {
    const value = valueAsText(resolveValue(hole));
    return value.includes("\0") ? refuseNul(hole, "PostgreSQL text") : value;
  };
  const inCode = (hole: SqlHole): string => {
    const value = resolveValue(hole);
    const { raw, ident } = hole.reference;
    if (ident) {
      if (typeof value !== "string" || value === "")
        return refuse(`${raw} names something, so its value must be a non-empty text, got ${JSON.stringify(value) ?? "nothing"}`);
      return value.includes("\0") ? refuseNul(hole, "a name") : quoteIdentifier(value);
    }
    if (typeof value === "string" && value.includes("\0")) return refuseNul(hole, "PostgreSQL text");
    if (typeof value === "number" && !Number.isFinite(value)) return refuse(`${raw}: ${value} is not a number PostgreSQL can hold`);
    return quoteValue(value);
  };
  return sqlSegments(parsed.parts)
    .map((segment) => {
      if (segment.kind === "sql") return segment.text;
      // A '…' string holding references is written anew, as one string constant.
      if (segment.kind === "string") return quoteLiteral(segment.pieces.map((piece) => (typeof piece === "string" ? piece : inString(piece))).join(""));
      const { hole } = segment;
      // An E'…' string takes the value escaped; every other place but code is refused by resolveValue.
      return hole.place === "code" ? inCode(hole) : escapeStringBody(inString(hole));
    })
    .join("");
}
