/**
 * DESIGN 5 and issue 4.6: the same copy between a PostgreSQL server and embedded PostgreSQL
 * (PGlite), in both directions, and from one PGlite folder to another.
 */
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openPgliteConnector } from "../../../src/connectors/pglite/pgliteConnector.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../../support/postgres.js";
import { runJobIn } from "../../support/runProject.js";
import { freshPgliteFolder } from "../../support/pgliteTemplate.js";
import { makeProject } from "../../support/tempProject.js";

const ROWS = `(1, 'Ann', 10.50, '2026-11-28 02:00:00+01', '{a,b}', '{"k": [1, 2]}', '\\x00ff10', E'tab\\there\\nnew line \\\\ backslash'),
  (2, 'Bob', null, null, null, null, null, 'ünïcødé ✅ 日本'),
  (3, 'Cid', -0.01, '1999-12-31 23:59:59.999999+00', '{}', 'null', '\\x', '')`;
const TABLE = "(id int primary key, name text not null, balance numeric(12,2), seen timestamptz, tags text[], doc jsonb, photo bytea, note text)";

describeWithPostgres("sql_copy with PGlite", () => {
  const failed = trackFailures();
  let server: TestDatabase;
  let root: string;
  let remove = () => {};

  beforeAll(async () => {
    server = await createDatabase("pglite_copy");
    await server.query(`create table public.customers ${TABLE}; insert into public.customers values ${ROWS}`);
    await server.query("create schema reporting");
    const made = makeProject({
      "nomaflow.yaml": `connectors:\n  server: { url: "${server.url}" }\n  embedded: { url: "pglite:data/embedded" }\n  other: { url: "pglite:data/other" }\n`,
      "jobs/to-embedded.yaml": `id: to-embedded\nsteps:\n  - { name: copy, type: sql_copy, source: { connector: server, table: customers }, target: { connector: embedded, table: customers }, mode: overwrite }\n`,
      "jobs/embedded-to-other.yaml": `id: embedded-to-other\nsteps:\n  - { name: copy, type: sql_copy, source: { connector: embedded, table: customers }, target: { connector: other, table: customers }, mode: overwrite }\n`,
      "jobs/back-to-server.yaml": `id: back-to-server\nsteps:\n  - { name: copy, type: sql_copy, source: { connector: other, table: customers }, target: { connector: server, schema: reporting, table: customers }, mode: overwrite }\n`,
    });
    root = made.root;
    remove = made.remove;
    for (const name of ["embedded", "other"]) await freshPgliteFolder(join(root, "data", name));
  });
  afterAll(async () => {
    remove();
    await server?.drop(failed());
  });

  it("server → PGlite → PGlite → server, byte-exact, twice (the second time through the swap)", async () => {
    for (const round of [1, 2]) {
      for (const job of ["to-embedded", "embedded-to-other", "back-to-server"]) {
        const run = await runJobIn(root, job);
        expect(run.result.status, `${job} round ${round}: ${run.error("copy")}`).toBe("succeeded");
        expect(run.output("copy")).toMatchObject({ rows: 3, created_target: round === 1 });
      }
    }
    const source = (await server.query("select customers::text as row from public.customers order by id")).rows;
    const back = (await server.query("select customers::text as row from reporting.customers order by id")).rows;
    expect(back).toEqual(source);
    const other = openPgliteConnector("other", join(root, "data", "other"));
    try {
      const rows = await other.fetch("select customers::text as row from public.customers order by id");
      expect(rows).toEqual(source);
    } finally {
      await other.close();
    }
  });
});
