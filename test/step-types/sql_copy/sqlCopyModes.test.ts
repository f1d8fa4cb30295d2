/**
 * sql_copy from a real PostgreSQL database standing for ops-db into reporting-db, on each backend
 * (another PostgreSQL database, and PGlite): each mode, a missing target created, types
 * byte-exact, column matching, and the errors named plainly.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeOnBackends } from "../../support/backends.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../../support/postgres.js";
import { runJobIn } from "../../support/runProject.js";
import { makeProject } from "../../support/tempProject.js";

describeWithPostgres("sql_copy from PostgreSQL", () =>
  describeOnBackends("sql_copy from PostgreSQL", (reporting) => {
    const failed = trackFailures();
    let ops: TestDatabase;
    const cleanups: Array<() => unknown> = [];

    beforeAll(async () => {
      ops = await createDatabase("copy_ops");
      await ops.query(`
      create table public.customers (id int primary key, name text not null, balance numeric(12,2), seen timestamptz, tags text[], doc jsonb, photo bytea, note text);
      insert into public.customers values
        (1, 'Ann', 10.50, '2026-11-28 02:00:00+01', '{a,b}', '{"k": [1, 2]}', '\\x00ff10', E'tab\\there\\nnew line \\\\ backslash'),
        (2, 'Bob', null, null, null, null, null, 'ünïcødé ✅ 日本'),
        (3, 'Cid', -0.01, '1999-12-31 23:59:59.999999+00', '{}', 'null', '\\x', '');
      create table public.orders (id bigint primary key, customer_id int, amount numeric);
      insert into public.orders select g, 1 + g % 3, g * 1.5 from generate_series(1, 25000) g;
    `);
      await reporting.query("create schema reporting");
    });
    afterAll(async () => {
      for (const cleanup of cleanups) await cleanup();
      await ops?.drop(failed());
    });

    function project(steps: string): string {
      const made = makeProject({
        "nomaflow.yaml": `connectors:\n  ops-db: { url: "${ops.url}" }\n  reporting-db: { url: "${reporting.url}" }\n`,
        "jobs/copy.yaml": `id: copy\nsteps:\n${steps}`,
      });
      cleanups.push(made.remove);
      return made.root;
    }

    const copyStep = (name: string, table: string, mode: string, extra = "") =>
      `  - name: ${name}\n    type: sql_copy\n    source: { connector: ops-db, table: ${table} }\n    target: { connector: reporting-db, schema: reporting, table: ${table} }\n    mode: ${mode}\n${extra}`;

    it("creates a missing target and copies every type byte-exact", async () => {
      const run = await runJobIn(project(copyStep("customers", "customers", "overwrite")), "copy");
      expect(run.result.status).toBe("succeeded");
      expect(run.output("customers")).toMatchObject({ rows: 3, created_target: true, format: "binary", target: "reporting.customers", mode: "overwrite" });
      const sourceText = (await ops.query("select customers::text as row from public.customers order by id")).rows;
      const targetText = (await reporting.query("select customers::text as row from reporting.customers order by id")).rows;
      expect(targetText).toEqual(sourceText);
      const key = await reporting.query(
        "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey) where i.indrelid = 'reporting.customers'::regclass and i.indisprimary",
      );
      expect(key.rows).toEqual([{ attname: "id" }]);
    });

    it("reports progress every batch_size rows and the copy's figures", async () => {
      const run = await runJobIn(project(copyStep("orders", "orders", "overwrite", "    batch_size: 10000\n")), "copy");
      expect(run.result.status).toBe("succeeded");
      const progress = run.events.filter((event) => event.event === "step_progress").map((event) => (event as { rows?: number }).rows);
      // One event each time the count passes a multiple of batch_size (counted per chunk), and the total.
      expect(progress).toHaveLength(3);
      expect(progress[0]).toBeGreaterThanOrEqual(10000);
      expect(progress[0]).toBeLessThan(20000);
      expect(progress[1]).toBeGreaterThanOrEqual(20000);
      expect(progress[2]).toBe(25000);
      expect(run.output("orders")).toMatchObject({ rows: 25000 });
      expect((run.output("orders") as { bytes: number }).bytes).toBeGreaterThan(0);
      expect(Number((await reporting.query("select count(*) from reporting.orders")).rows[0]!.count)).toBe(25000);
    });

    it("append adds all rows in one transaction", async () => {
      await reporting.query("create table reporting.orders_log (id bigint, customer_id int, amount numeric, loaded_at timestamptz default now())");
      const root = project(
        `  - name: append\n    type: sql_copy\n    source: { connector: ops-db, query: "select id, customer_id, amount from public.orders where id <= 10" }\n    target: { connector: reporting-db, schema: reporting, table: orders_log }\n    mode: append\n`,
      );
      expect((await runJobIn(root, "copy")).result.status).toBe("succeeded");
      expect((await runJobIn(root, "copy")).result.status).toBe("succeeded");
      const counts = await reporting.query("select count(*)::int as n, count(loaded_at)::int as stamped from reporting.orders_log");
      expect(counts.rows[0]).toEqual({ n: 20, stamped: 20 });
    });

    it("upsert updates rows whose key exists and inserts the rest", async () => {
      await reporting.query("create table reporting.balances (id int primary key, name text, balance numeric(12,2))");
      await reporting.query("insert into reporting.balances values (1, 'old Ann', 0), (99, 'kept', 5)");
      const root = project(
        `  - name: upsert\n    type: sql_copy\n    source: { connector: ops-db, query: "select id, name, balance from public.customers" }\n    target: { connector: reporting-db, schema: reporting, table: balances }\n    mode: upsert\n`,
      );
      const run = await runJobIn(root, "copy");
      expect(run.result.status).toBe("succeeded");
      const rows = (await reporting.query("select id, name, balance from reporting.balances order by id")).rows;
      expect(rows).toEqual([
        { id: 1, name: "Ann", balance: "10.50" },
        { id: 2, name: "Bob", balance: null },
        { id: 3, name: "Cid", balance: "-0.01" },
        { id: 99, name: "kept", balance: "5.00" },
      ]);
    });

    it("upsert updates a row whose values read differently though = calls them equal, and works on types without =", async () => {
      const shapes = "create table public.shapes (id int primary key, doc json, spot point, amount numeric, span interval, rate float8)";
      await ops.query(`${shapes}; insert into public.shapes values (1, '{"a": 1}', '(1,2)', 1.0, '1 day', 0), (2, '{"b": 2}', '(3,4)', 2, '2 hours', 1.5)`);
      await reporting.query(
        `${shapes.replace("public.", "reporting.")}; insert into reporting.shapes values (1, '{"a": 1}', '(1,2)', 1.00, '24 hours', '-0'), (2, '{"b": 2}', '(3,4)', 2, '2 hours', 1.5)`,
      );
      const root = project(
        `  - name: upsert\n    type: sql_copy\n    source: { connector: ops-db, schema: public, table: shapes }\n    target: { connector: reporting-db, schema: reporting, table: shapes }\n    mode: upsert\n`,
      );
      const run = await runJobIn(root, "copy");
      expect(run.result.status, run.error("upsert")).toBe("succeeded");
      expect(run.output("upsert")).toMatchObject({ rows_inserted: 0, rows_updated: 1, rows_unchanged: 1 });
      expect((await reporting.query("select id, amount::text, span::text, rate::text from reporting.shapes order by id")).rows).toEqual([
        { id: 1, amount: "1.0", span: "1 day", rate: "0" },
        { id: 2, amount: "2", span: "02:00:00", rate: "1.5" },
      ]);
    });

    it("upsert with a key but no unique index still updates and inserts", async () => {
      await reporting.query("create table reporting.loose (id int, name text)");
      await reporting.query("insert into reporting.loose values (2, 'old Bob')");
      const root = project(
        `  - name: upsert\n    type: sql_copy\n    source: { connector: ops-db, query: "select id, name from public.customers" }\n    target: { connector: reporting-db, schema: reporting, table: loose }\n    mode: upsert\n    key: id\n`,
      );
      expect((await runJobIn(root, "copy")).result.status).toBe("succeeded");
      expect((await reporting.query("select id, name from reporting.loose order by id")).rows).toEqual([
        { id: 1, name: "Ann" },
        { id: 2, name: "Bob" },
        { id: 3, name: "Cid" },
      ]);
    });

    it("upsert without a key fails before copying, saying so", async () => {
      await reporting.query("create table reporting.keyless (id int, name text)");
      const root = project(
        `  - name: upsert\n    type: sql_copy\n    source: { connector: ops-db, query: "select id, name from public.customers" }\n    target: { connector: reporting-db, schema: reporting, table: keyless }\n    mode: upsert\n`,
      );
      const run = await runJobIn(root, "copy");
      expect(run.error("upsert")).toBe("upsert into reporting.keyless needs a key: the table has no primary key and the step gives no key");
      expect(run.events.filter((event) => event.event === "step_started")).toHaveLength(1);
      expect(Number((await reporting.query("select count(*) from reporting.keyless")).rows[0]!.count)).toBe(0);
    });

    it("names a source column missing from the target", async () => {
      await reporting.query("create table reporting.narrow (id int, name text)");
      const root = project(
        `  - name: narrow\n    type: sql_copy\n    source: { connector: ops-db, query: "select id, name, balance from public.customers" }\n    target: { connector: reporting-db, schema: reporting, table: narrow }\n    mode: append\n`,
      );
      expect((await runJobIn(root, "copy")).error("narrow")).toBe(
        "source column balance is missing from the target reporting.narrow on connector reporting-db",
      );
    });

    it("names a missing source table with its connector and schema", async () => {
      const root = project(copyStep("gone", "no_such_table", "overwrite"));
      expect((await runJobIn(root, "copy")).error("gone")).toBe("source table public.no_such_table does not exist on connector ops-db");
    });

    it("copies in text when a column's type differs, converting on the way", async () => {
      await reporting.query("create table reporting.wider (id bigint, name varchar(50), balance double precision)");
      const root = project(
        `  - name: wider\n    type: sql_copy\n    source: { connector: ops-db, query: "select id, name, balance from public.customers" }\n    target: { connector: reporting-db, schema: reporting, table: wider }\n    mode: append\n`,
      );
      const run = await runJobIn(root, "copy");
      expect(run.output("wider")).toMatchObject({ rows: 3, format: "text" });
      // bigint as text: pg reads it as a string, PGlite as a number.
      expect((await reporting.query("select id::text, name, balance from reporting.wider order by id")).rows).toEqual([
        { id: "1", name: "Ann", balance: 10.5 },
        { id: "2", name: "Bob", balance: null },
        { id: "3", name: "Cid", balance: -0.01 },
      ]);
    });

    it("copies in text when asked, with the same result", async () => {
      const root = project(
        `  - name: text\n    type: sql_copy\n    source: { connector: ops-db, table: customers }\n    target: { connector: reporting-db, schema: reporting, table: customers_text }\n    mode: overwrite\n    format: text\n`,
      );
      const run = await runJobIn(root, "copy");
      expect(run.output("text")).toMatchObject({ rows: 3, format: "text" });
      const sourceText = (await ops.query("select customers::text as row from public.customers order by id")).rows;
      expect((await reporting.query("select customers_text::text as row from reporting.customers_text order by id")).rows).toEqual(sourceText);
    });

    it("quotes identifiers: mixed case, spaces and quotes work and cannot inject SQL", async () => {
      await ops.query(
        `create schema "Ops Data"; create table "Ops Data"."We""ird Tab;le" ("Id" int primary key, "the name" text); insert into "Ops Data"."We""ird Tab;le" values (1, 'x')`,
      );
      await reporting.query(`create schema "Rep Data"`);
      const root = project(
        `  - name: weird\n    type: sql_copy\n    source: { connector: ops-db, schema: "Ops Data", table: 'We"ird Tab;le' }\n    target: { connector: reporting-db, schema: "Rep Data", table: 'We"ird Tab;le; drop table reporting.customers; --' }\n    mode: overwrite\n`,
      );
      const run = await runJobIn(root, "copy");
      expect(run.result.status).toBe("succeeded");
      expect((await reporting.query(`select "Id", "the name" from "Rep Data"."We""ird Tab;le; drop table reporting.customers; --"`)).rows).toEqual([
        { Id: 1, "the name": "x" },
      ]);
      expect(Number((await reporting.query("select count(*) from reporting.customers")).rows[0]!.count)).toBe(3);
    });
  }),
);
