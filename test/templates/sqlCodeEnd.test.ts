/** Where a query ends once trailing `;`, spaces and comments are left out (sql_copy wraps a source query in `(…)`). */
import { expect, it } from "vitest";
import { sqlCodeEnd } from "../../src/templates/sqlPlaces.js";

const bare = (sql: string) => sql.slice(0, sqlCodeEnd(sql));

it("leaves out trailing semicolons, spaces and comments, nested block comments included", () => {
  expect(bare("select 1 ;  ; -- one row\n /* done /* nested */ */ ;\n")).toBe("select 1");
  expect(bare("select 1 -- ;")).toBe("select 1");
  expect(bare("select a; select b;")).toBe("select a; select b");
});

it("ends after a last string, quoted name or dollar body, whatever they hold", () => {
  expect(bare(`select ';' as "a; --", $$ ; $$, $tag$ -- $$ $tag$, E'\\'; '`)).toBe(`select ';' as "a; --", $$ ; $$, $tag$ -- $$ $tag$, E'\\'; '`);
  expect(bare("select 'a' -- x\n 'b' ;")).toBe("select 'a' -- x\n 'b'");
  expect(bare("select $1::int;")).toBe("select $1::int");
});

it("runs an unclosed string, name or body to the end, and is 0 without any token", () => {
  expect(sqlCodeEnd("select 'abc; -- x")).toBe("select 'abc; -- x".length);
  expect(sqlCodeEnd('select "abc')).toBe('select "abc'.length);
  expect(sqlCodeEnd(" ; -- nothing\n /* here */")).toBe(0);
  expect(sqlCodeEnd("")).toBe(0);
});
