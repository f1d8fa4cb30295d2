/**
 * The swap asks nothing of a connector but a query function on one session, so it also runs on
 * embedded PostgreSQL (PGlite, the `pglite:` connectors) — no server needed for this file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, expect, it } from "vitest";
import { findStashTables } from "../../../../src/step-types/sql_copy/overwrite/stashTable.js";
import type { Query } from "../../../../src/step-types/sql_copy/transaction.js";
import { freshPgliteFolder } from "../../../support/pgliteTemplate.js";
import { overwrite, rejection } from "./swapHarness.js";

const root = mkdtempSync(join(tmpdir(), "nomaflow-swap-pglite-"));
let db: PGlite;
let query: Query;
beforeAll(async () => {
  // On disk from the template: an in-memory PGlite would run initdb (seconds) for this one file.
  db = new PGlite(await freshPgliteFolder(join(root, "db")));
  query = (sql, params) => db.query<Record<string, unknown>>(sql, params);
});
afterAll(async () => {
  await db?.close();
  rmSync(root, { recursive: true, force: true });
});

it("overwrites a table with keys, sequences, a view and a referencing table on PGlite", async () => {
  await db.exec(`create table items (id serial primary key, code text unique, n int generated always as identity);
    insert into items (code) values ('old');
    create index items_code_lower on items (lower(code)) where code <> '';
    create view items_view as select id, code from items;
    create table item_refs (item int references items);
    insert into item_refs values (1);
    comment on table items is 'embedded'`);

  const result = await overwrite(query, { schema: "public", table: "items" }, (stash) => `insert into ${stash} (id, code, n) overriding system value values (1, 'a', 5), (2, 'b', 6)`);

  expect(result.lockHeldMs).toBeLessThan(1000);
  expect((await query("select id, code from items_view order by id")).rows).toEqual([
    { id: 1, code: "a" },
    { id: 2, code: "b" },
  ]);
  expect((await rejection(query("insert into items (code) values ('a')"))).code).toBe("23505");
  expect((await rejection(query("insert into item_refs values (3)"))).code).toBe("23503");
  expect((await query("select obj_description('items'::regclass) as comment")).rows).toEqual([{ comment: "embedded" }]);
  expect(await findStashTables(query, "public", "items")).toEqual([]);
});
