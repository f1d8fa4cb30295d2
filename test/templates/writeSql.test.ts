/**
 * Where a reference sits in SQL text decides how its value is written: the places PostgreSQL's
 * lexer knows (code, '…', E'…', dollar bodies, comments, quoted identifiers), and `:ident`. What
 * the written SQL does on a real server is checked in test/step-types/sql/sqlValues.test.ts.
 */
import { describe, expect, it } from "vitest";
import { parseTemplate } from "../../src/templates/template.js";
import { writeSql } from "../../src/templates/writeSql.js";

const VALUES: Record<string, unknown> = {
  text: "O'Brien",
  slash: "C:\\dir\\'",
  neg: -3,
  num: 2.5,
  yes: true,
  none: null,
  list: ["a'b", 1, null],
  obj: { k: "v'" },
  nul: "a\u0000b",
  table: 'we"ird',
  schema: "rep",
  inf: Number.POSITIVE_INFINITY,
};

function write(sql: string): string {
  const parsed = parseTemplate(sql);
  expect(parsed.problems).toEqual([]);
  return writeSql(parsed, (reference) => (reference.kind === "params" ? VALUES[reference.name] : undefined), "sql");
}

describe("values in code become one literal of their type", () => {
  it.each([
    ["select ${params.text}", "select 'O''Brien'"],
    ["select ${params.slash}", "select E'C:\\\\dir\\\\'''"],
    ["select 10 -${params.neg}", "select 10 -(-3)"],
    ["select ${params.num}, ${params.yes}, ${params.none}", "select 2.5, true, NULL"],
    ["select ${params.list}::jsonb", `select '["a''b",1,null]'::jsonb`],
    ["select ${params.obj}::jsonb", `select '{"k":"v''"}'::jsonb`],
    ["select $1, ${params.num}", "select $1, 2.5"],
    ["select a$$, ${params.num}, $$body$$", "select a$$, 2.5, $$body$$"],
    ["select $tag$ a $tag$, ${params.num}", "select $tag$ a $tag$, 2.5"],
    ['select "a""b", ${params.num} /* c */', 'select "a""b", 2.5 /* c */'],
    ["select /* /* */ */ ${params.num} -- end", "select /* /* */ */ 2.5 -- end"],
  ])("%s", (sql, written) => {
    expect(write(sql)).toBe(written);
  });
});

describe("values inside a string literal are escaped for it", () => {
  it.each([
    ["select '${params.text}'", "select 'O''Brien'"],
    ["select 'it''s ${params.text}!'", "select 'it''s O''Brien!'"],
    ["select '<${params.slash}>'", "select E'<C:\\\\dir\\\\''>'"],
    ["select 'a'\n  '${params.text}'", "select 'aO''Brien'"], // one string, continued on the next line
    ["select E'\\t${params.slash}'", "select E'\\tC:\\\\dir\\\\'''"],
    ["select '${params.none}|${params.list}'", `select '|["a''b",1,null]'`],
  ])("%s", (sql, written) => {
    expect(write(sql)).toBe(written);
  });
});

describe("names with :ident", () => {
  it("quotes a name whole, and schema.table as two names", () => {
    expect(write("select * from ${params.schema:ident}.${params.table:ident}")).toBe('select * from "rep"."we""ird"');
  });

  it("refuses a value that is not a text", () => {
    expect(() => write("select * from ${params.num:ident}")).toThrow(
      "sql: ${params.num:ident} names something, so its value must be a non-empty text, got 2.5",
    );
  });

  it("refuses a name inside quotes", () => {
    expect(() => write("select '${params.table:ident}'")).toThrow("sql: ${params.table:ident} names something, so it cannot sit inside quotes");
  });
});

describe("places where no value can be written safely are refused", () => {
  it.each([
    ["do $$ begin perform ${params.text}; end $$", "sits in a dollar-quoted body"],
    ["select $f$ ${params.text} $f$", "sits in a dollar-quoted body"],
    ["select 1 -- ${params.text}", "sits in an SQL comment"],
    ["select 1 /* /* */ ${params.text} */", "sits in an SQL comment"],
    ['select "${params.text}"', 'sits inside a "quoted identifier"'],
    ['select U&"${params.text}"', 'sits inside a "quoted identifier"'],
    ["select B'${params.text}'", "sits in a B'…', X'…', N'…' or U&'…' string"],
    ["select x'${params.text}'", "sits in a B'…', X'…', N'…' or U&'…' string"],
    ["select U&'${params.text}'", "sits in a B'…', X'…', N'…' or U&'…' string"],
    ["select E'\\${params.text}'", "follows a backslash in an E'…' string"],
    ["select 'open ${params.text}", "sits in a string that is never closed"],
    ["select * from sales_${params.num}", "touches a name, a dot or a quote"],
    ["select * from rep.${params.text}", "touches a name, a dot or a quote"],
    ["select ${params.text}${params.num}", "touches a name, a dot or a quote"],
    ["select 'a'${params.text}", "touches a name, a dot or a quote"],
    ["select * from ${params.schema:ident}x", "touches a name, a dot or a quote"],
  ])("%s", (sql, message) => {
    expect(() => write(sql)).toThrow(message);
  });

  it("refuses a NUL character, naming the reference", () => {
    expect(() => write("select ${params.nul}")).toThrow("sql: ${params.nul}: the value holds a NUL character, which PostgreSQL text cannot hold");
    expect(() => write("select '${params.nul}'")).toThrow("sql: ${params.nul}: the value holds a NUL character");
  });

  it("refuses a number SQL cannot hold", () => {
    expect(() => write("select ${params.inf}")).toThrow("sql: ${params.inf}: Infinity is not a number PostgreSQL can hold");
  });
});

it("passes SQL without references through unchanged, $${ included", () => {
  expect(write("select '$${x}', $$ $${ $$")).toBe("select '${x}', $$ ${ $$");
});
