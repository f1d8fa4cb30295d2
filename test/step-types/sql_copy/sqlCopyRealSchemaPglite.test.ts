/**
 * The real-world schema (rentalFixture.ts) with an embedded PostgreSQL (PGlite) at one end: its
 * session set to DateStyle 'SQL, DMY' and other output styles; the copy is exact, and the
 * settings sql_copy pins are given back, so later steps on the same PGlite see their own.
 */
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openPgliteConnector } from "../../../src/connectors/pglite/pgliteConnector.js";
import type { Connector } from "../../../src/connectors/connector.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../../support/postgres.js";
import { runJobIn } from "../../support/runProject.js";
import { freshPgliteFolder } from "../../support/pgliteTemplate.js";
import { makeProject } from "../../support/tempProject.js";
import { checksumSql, RENTAL_ROWS, RENTAL_SCHEMA } from "./rentalFixture.js";

/** PGlite has one backend for the whole process, so a SET in one step holds for the next ones. */
const EUROPEAN_STYLES = "set DateStyle = 'SQL, DMY'; set IntervalStyle = 'sql_standard'; set extra_float_digits = -3; set bytea_output = 'escape'";

async function withPglite<T>(folder: string, work: (connector: Connector) => Promise<T>): Promise<T> {
  const connector = openPgliteConnector("embedded", folder);
  try {
    return await work(connector);
  } finally {
    await connector.close();
  }
}

async function pgliteChecksum(connector: Connector, relation: string, orderBy: string): Promise<unknown> {
  return connector.withSession(async (session) => (await session.query(checksumSql(relation, orderBy))).rows[0]);
}

describeWithPostgres("sql_copy on a real-world schema with PGlite", () => {
  const failed = trackFailures();
  let server: TestDatabase;
  let root: string;
  let remove = () => {};

  beforeAll(async () => {
    server = await createDatabase("rental_pglite");
    await server.query(RENTAL_SCHEMA);
    const copy = (table: string, mode: string) =>
      `  - { name: ${table}, type: sql_copy, source: { connector: embedded, schema: rental, table: ${table} }, target: { connector: server, schema: rental, table: ${table} }, mode: ${mode} }\n`;
    const made = makeProject({
      "nomaflow.yaml": `connectors:\n  server: { url: "${server.url}" }\n  embedded: { url: "pglite:data/embedded" }\n  sink: { url: "pglite:data/sink" }\n  bare: { url: "pglite:data/bare" }\n`,
      "jobs/to-bare.yaml": `id: to-bare\nsteps:\n  - { name: film, type: sql_copy, source: { connector: embedded, schema: rental, table: film }, target: { connector: bare, schema: rental, table: film }, mode: append }\n`,
      "jobs/to-sink.yaml": `id: to-sink\nsteps:\n${(
        [
          ["film", "film", "upsert"],
          ["Customer", "Customer", "append"],
          ["payment", "payment_copy", "overwrite"],
          ["film_list", "film_list", "overwrite"],
          ["payment", "payment", "overwrite", "payment-replaced", ", refresh_materialized_views: true"],
        ] as const
      )
        .map(
          ([from, to, mode, name = from.toLowerCase(), extra = ""]) =>
            `  - { name: ${name}, type: sql_copy${extra}, source: { connector: embedded, schema: rental, table: "${from}" }, target: { connector: sink, schema: rental, table: "${to}" }, mode: ${mode} }\n`,
        )
        .join("")}`,
      "jobs/copy.yaml": `id: copy\nsteps:\n  - { name: styles, type: sql, connector: embedded, sql: "${EUROPEAN_STYLES}" }\n${copy("film", "append")}${copy("staff", "overwrite")}  - name: styles-kept\n    type: sql\n    connector: embedded\n    sql: "do $$ begin if current_setting('DateStyle') <> 'SQL, DMY' or current_setting('IntervalStyle') <> 'sql_standard' then raise exception 'settings not given back: %, %', current_setting('DateStyle'), current_setting('IntervalStyle'); end if; end $$"\n`,
    });
    root = made.root;
    remove = made.remove;
    for (const name of ["embedded", "sink", "bare"]) await freshPgliteFolder(join(root, "data", name));
    await withPglite(join(root, "data", "embedded"), async (embedded) => {
      await embedded.execute(RENTAL_SCHEMA + RENTAL_ROWS);
    });
    await withPglite(join(root, "data", "bare"), async (bare) => {
      await bare.execute("create schema rental");
    });
    await withPglite(join(root, "data", "sink"), async (sink) => {
      await sink.execute(RENTAL_SCHEMA);
      await sink.execute(
        "insert into rental.film (film_id, title) overriding system value values (1, 'old'); create table rental.film_list (film_id int, title text, mood rental.mood, opened date)",
      );
      await sink.execute(
        "insert into rental.payment values (1, 0, '2022-09-01 00:50'), (99999, 1, '2022-10-20'); create materialized view rental.paid as select sum(amount) as total, count(*) as n from rental.payment",
      );
    });
  });
  afterAll(async () => {
    remove();
    await server?.drop(failed());
  });

  it("copies exactly from a PGlite database with DateStyle 'SQL, DMY' and gives its settings back", async () => {
    const run = await runJobIn(root, "copy");
    expect(run.result.status, run.error("film") ?? run.error("staff") ?? run.error("styles-kept")).toBe("succeeded");
    expect(run.output("film")).toMatchObject({ rows: 1000, format: "text" });
    const serverSum = async (relation: string, key: string) =>
      ((await server.query(checksumSql(relation, key))) as unknown as Array<{ rows: unknown[] }>).at(-1)!.rows[0];
    await withPglite(join(root, "data", "embedded"), async (embedded) => {
      expect(await serverSum("rental.film", "film_id")).toEqual(await pgliteChecksum(embedded, "rental.film", "film_id"));
      expect(await serverSum("rental.staff", "staff_id")).toEqual(await pgliteChecksum(embedded, "rental.staff", "staff_id"));
    });
  });

  it("into PGlite: upsert on an identity ALWAYS key, sequences advanced, a partitioned table and a view as sources", async () => {
    const run = await runJobIn(root, "to-sink");
    const failed = ["film", "customer", "payment", "film_list", "payment-replaced"].map((step) => run.error(step)).find(Boolean);
    expect(run.result.status, failed).toBe("succeeded");
    expect(run.output("film")).toMatchObject({
      rows: 1000,
      rows_inserted: 999,
      rows_updated: 1,
      rows_unchanged: 0,
      sequences_advanced: { "rental.film_film_id_seq": 1000 },
    });
    expect(run.output("customer")).toMatchObject({ rows: 500, format: "binary", sequences_advanced: { 'rental."Customer_CustomerId_seq"': 500 } });
    expect(run.output("payment")).toMatchObject({ rows: 1500, format: "binary", created_target: true });
    expect(run.output("payment-replaced")).toMatchObject({
      overwrite_method: "replace",
      rows_inserted: 1499,
      rows_updated: 1,
      rows_deleted: 1,
      materialized_views_refreshed: ["rental.paid"],
    });
    await withPglite(join(root, "data", "embedded"), async (embedded) => {
      await withPglite(join(root, "data", "sink"), async (sink) => {
        for (const [from, to, key] of [
          ["rental.film", "rental.film", "film_id"],
          ['rental."Customer"', 'rental."Customer"', '"CustomerId"'],
          ["rental.payment", "rental.payment_copy", "payment_id"],
          ["rental.film_list", "rental.film_list", "film_id"],
        ] as const) {
          expect(await pgliteChecksum(sink, to, key), to).toEqual(await pgliteChecksum(embedded, from, key));
        }
        expect(await pgliteChecksum(sink, "rental.payment", "payment_id")).toEqual(await pgliteChecksum(embedded, "rental.payment", "payment_id"));
        expect(await pgliteChecksum(sink, "rental.paid", "n")).toEqual(
          await pgliteChecksum(embedded, "(select sum(amount) as total, count(*) as n from rental.payment)", "n"),
        );
        expect(await sink.fetch("insert into rental.film (title) values ('next') returning film_id")).toEqual([{ film_id: 1001 }]);
      });
    });
  });

  it("into PGlite: a missing target created with the enum, domain and composite types it needs", async () => {
    const run = await runJobIn(root, "to-bare");
    expect(run.result.status, run.error("film")).toBe("succeeded");
    expect(run.output("film")).toMatchObject({ rows: 1000, created_target: true, types_created: ["rental.mood", "rental.year", "rental.address"] });
    await withPglite(join(root, "data", "embedded"), async (embedded) => {
      await withPglite(join(root, "data", "bare"), async (bare) => {
        expect(await pgliteChecksum(bare, "rental.film", "film_id")).toEqual(await pgliteChecksum(embedded, "rental.film", "film_id"));
      });
    });
  });
});
