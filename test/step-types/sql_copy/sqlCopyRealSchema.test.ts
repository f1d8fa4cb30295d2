/**
 * sql_copy on a schema like the ones users bring (rentalFixture.ts), from a source database whose
 * output settings are all away from their defaults, checked row by row with a checksum in SQL on
 * both sides: copies exact in text and binary, upsert on identity keys, sequences advanced past
 * the loaded keys, and partitioned tables, views and materialized views as sources.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../../support/postgres.js";
import { runJobIn } from "../../support/runProject.js";
import { makeProject } from "../../support/tempProject.js";
import { checksumSql, NON_DEFAULT_OUTPUT_SETTINGS, RENTAL_ROWS, RENTAL_SCHEMA, STAMP_TRIGGER } from "./rentalFixture.js";

async function checksum(db: TestDatabase, relation: string, orderBy: string): Promise<{ rows: number; md5: string }> {
  const results = (await db.query(checksumSql(relation, orderBy))) as unknown as Array<{ rows: Array<{ rows: number; md5: string }> }>;
  return results.at(-1)!.rows[0]!;
}

describeWithPostgres("sql_copy on a real-world schema", () => {
  const failed = trackFailures();
  let source: TestDatabase;
  let target: TestDatabase;
  const cleanups: Array<() => unknown> = [];

  beforeAll(async () => {
    source = await createDatabase("rental_source");
    target = await createDatabase("rental_target");
    await source.query(RENTAL_SCHEMA + RENTAL_ROWS);
    await source.query(NON_DEFAULT_OUTPUT_SETTINGS(source.name));
    await target.query(RENTAL_SCHEMA);
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await source?.drop(failed());
    await target?.drop(failed());
  });

  function project(steps: string): string {
    const made = makeProject({
      "nomaflow.yaml": `connectors:\n  src: { url: "${source.url}" }\n  dst: { url: "${target.url}" }\n`,
      "jobs/copy.yaml": `id: copy\nsteps:\n${steps}`,
    });
    cleanups.push(made.remove);
    return made.root;
  }

  const copyStep = (name: string, from: string, to: string, mode: string, extra = "") =>
    `  - name: ${name}\n    type: sql_copy\n    source: { connector: src, ${from} }\n    target: { connector: dst, schema: rental, table: ${JSON.stringify(to)} }\n    mode: ${mode}\n${extra}`;
  const tableStep = (table: string, mode: string, extra = "") =>
    copyStep(table.replace(/\W/g, "_").toLowerCase(), `schema: rental, table: ${JSON.stringify(table)}`, table, mode, extra);

  it("copies exactly, in text and in binary, from a database with DateStyle 'SQL, DMY' and every other output setting changed", async () => {
    for (const mode of ["append", "overwrite"]) {
      await target.query('truncate rental.film, rental.staff, rental."Customer"');
      const run = await runJobIn(project(tableStep("film", mode) + tableStep("staff", mode) + tableStep("Customer", mode)), "copy");
      expect(run.result.status, `${mode}: ${run.error("film") ?? run.error("staff") ?? run.error("customer")}`).toBe("succeeded");
      expect(run.output("film")).toMatchObject({ rows: 1000, format: "text" });
      expect(run.output("staff")).toMatchObject({ rows: 50, format: "binary" });
      expect(run.output("customer")).toMatchObject({ rows: 500, format: "binary" });
      expect(await checksum(target, "rental.film", "film_id"), mode).toEqual(await checksum(source, "rental.film", "film_id"));
      expect(await checksum(target, "rental.staff", "staff_id"), mode).toEqual(await checksum(source, "rental.staff", "staff_id"));
      expect(await checksum(target, 'rental."Customer"', '"CustomerId"'), mode).toEqual(await checksum(source, 'rental."Customer"', '"CustomerId"'));
    }
    const text = await runJobIn(project(tableStep("staff", "overwrite", "    format: text\n")), "copy");
    expect(text.output("staff")).toMatchObject({ format: "text" });
    expect(await checksum(target, "rental.staff", "staff_id")).toEqual(await checksum(source, "rental.staff", "staff_id"));
  });

  it.each([
    ["SQL, MDY", "postgres_verbose"],
    ["Postgres, DMY", "iso_8601"],
    ["Postgres, MDY", "sql_standard"],
    ["German", "postgres_verbose"],
    ["ISO, DMY", "iso_8601"],
  ])("copies exactly with the source at DateStyle %s, IntervalStyle %s, and the target's styles changed too", async (dateStyle, intervalStyle) => {
    await source.query(
      `alter database "${source.name}" set DateStyle = '${dateStyle}'; alter database "${source.name}" set IntervalStyle = '${intervalStyle}'`,
    );
    await target.query(
      `alter database "${target.name}" set DateStyle = 'SQL, DMY'; alter database "${target.name}" set IntervalStyle = 'sql_standard'; alter database "${target.name}" set extra_float_digits = 0`,
    );
    try {
      await target.query("truncate rental.film, rental.staff");
      const run = await runJobIn(project(tableStep("film", "append") + tableStep("staff", "append", "    format: text\n")), "copy");
      expect(run.result.status, run.error("film") ?? run.error("staff")).toBe("succeeded");
      expect(await checksum(target, "rental.film", "film_id")).toEqual(await checksum(source, "rental.film", "film_id"));
      expect(await checksum(target, "rental.staff", "staff_id")).toEqual(await checksum(source, "rental.staff", "staff_id"));
    } finally {
      await target.query(`alter database "${target.name}" reset all`);
    }
  });

  it("upserts into tables keyed by identity ALWAYS and BY DEFAULT, updating changed rows and inserting new ones", async () => {
    await target.query('truncate rental.film, rental.staff, rental."Customer"');
    await target.query("insert into rental.film (film_id, title) overriding system value values (1, 'old title'), (5000, 'kept')");
    await target.query("insert into rental.staff (staff_id, name) values (2, 'old name')");
    const run = await runJobIn(project(tableStep("film", "upsert") + tableStep("staff", "upsert")), "copy");
    expect(run.result.status, run.error("film") ?? run.error("staff")).toBe("succeeded");
    expect(run.events.filter((event) => event.event === "step_attempt_failed")).toEqual([]);
    expect(await checksum(target, "(select * from rental.film where film_id <= 1000)", "film_id")).toEqual(await checksum(source, "rental.film", "film_id"));
    expect((await target.query("select title from rental.film where film_id = 5000")).rows).toEqual([{ title: "kept" }]);
    expect(await checksum(target, "rental.staff", "staff_id")).toEqual(await checksum(source, "rental.staff", "staff_id"));
  });

  it("upsert leaves rows equal to the source's alone: a BEFORE UPDATE trigger stamps only the changed rows, and the counts say so", async () => {
    await target.query("truncate rental.film, rental.staff; alter table rental.staff add column last_update timestamp");
    try {
      expect((await runJobIn(project(tableStep("film", "append") + tableStep("staff", "append")), "copy")).result.status).toBe("succeeded");
      // 100 films and 10 staff changed, 100 films and 10 staff missing; the rest as in the source.
      await target.query(`update rental.film set title = 'changed' where film_id <= 100; delete from rental.film where film_id > 900;
        update rental.staff set score = -1 where staff_id <= 10; delete from rental.staff where staff_id > 40;
        ${STAMP_TRIGGER("rental.film")} create trigger stamp before update on rental.staff for each row execute function rental.stamp();`);
      const placesBefore = async (table: string, key: string) =>
        (await target.query(`select ${key} as id, ctid::text as place from ${table} order by ${key}`)).rows;
      const filmPlaces = await placesBefore("rental.film", "film_id");
      const staffPlaces = await placesBefore("rental.staff", "staff_id");
      // film has a primary key on the upsert key (ON CONFLICT); staff is matched on name, which no unique index covers (UPDATE … FROM).
      await target.query(
        "truncate rental.payment; insert into rental.payment select g, 0, timestamp '2022-09-01' + g * interval '50 minutes' from generate_series(1, 20) g",
      );
      const run = await runJobIn(
        project(tableStep("film", "upsert") + tableStep("staff", "upsert", "    key: [name]\n") + tableStep("payment", "upsert")),
        "copy",
      );
      expect(run.result.status, run.error("film") ?? run.error("staff") ?? run.error("payment")).toBe("succeeded");
      expect(run.output("payment")).toMatchObject({ rows: 1500, rows_inserted: 1480, rows_updated: 20, rows_unchanged: 0 });
      expect(await checksum(target, "rental.payment", "payment_id")).toEqual(await checksum(source, "rental.payment", "payment_id"));
      expect(run.output("film")).toMatchObject({ rows: 1000, rows_inserted: 100, rows_updated: 100, rows_unchanged: 800 });
      expect(run.output("staff")).toMatchObject({ rows: 50, rows_inserted: 10, rows_updated: 10, rows_unchanged: 30 });
      const logs = run.events.filter((event) => event.event === "log").map((event) => String((event as { message?: unknown }).message));
      expect(logs).toContain("upsert into rental.film: 100 rows inserted, 100 updated, 800 unchanged (left as they were)");
      // Unchanged rows were not rewritten: same place on disk, trigger not fired.
      const stayed = (before: Array<Record<string, unknown>>, after: Array<Record<string, unknown>>) =>
        before.filter((row) => after.some((other) => other.id === row.id && other.place === row.place)).map((row) => Number(row.id));
      const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);
      expect(stayed(filmPlaces, await placesBefore("rental.film", "film_id"))).toEqual(range(101, 900));
      expect(stayed(staffPlaces, await placesBefore("rental.staff", "staff_id"))).toEqual(range(11, 40));
      expect(await checksum(target, "(select * from rental.film where film_id > 100)", "film_id")).toEqual(
        await checksum(source, "(select * from rental.film where film_id > 100)", "film_id"),
      );
      expect(await checksum(target, "(select staff_id, name, hired, shift, score from rental.staff)", "staff_id")).toEqual(
        await checksum(source, "rental.staff", "staff_id"),
      );
      // The source's stamps are of 2022; the trigger's are of today.
      const stamped = await target.query(
        "select (select count(*)::int from rental.film where last_update > '2023-01-01') as films, (select count(*)::int from rental.staff where last_update > '2023-01-01') as staff",
      );
      expect(stamped.rows).toEqual([{ films: 100, staff: 10 }]);
      // The stamped films are the changed ones, now with the source's values but the stamp.
      expect(
        await checksum(
          target,
          "(select film_id, title, mood, release_year, rental_duration, rate, small, poster, price, opened, seen from rental.film where film_id <= 100)",
          "film_id",
        ),
      ).toEqual(
        await checksum(
          source,
          "(select film_id, title, mood, release_year, rental_duration, rate, small, poster, price, opened, seen from rental.film where film_id <= 100)",
          "film_id",
        ),
      );
    } finally {
      await target.query(
        "drop trigger if exists stamp on rental.film; drop trigger if exists stamp on rental.staff; alter table rental.staff drop column last_update",
      );
    }
  });

  it("overwrites where a swap cannot be done (materialized view, function, partitioned table, partition) by replacing the rows in one transaction, and refreshes materialized views when asked", async () => {
    await target.query(`truncate rental.film, rental.staff, rental.payment;
      insert into rental.film (film_id, title, mood) overriding system value values (1, 'old', 'sad'), (5000, 'gone', 'sad');
      insert into rental.staff (staff_id, name) values (7, 'old'), (999, 'gone');
      insert into rental.payment values (1, 0, '2022-09-01 00:50'), (99999, 1, '2022-10-20');
      create materialized view rental.mood_films as select mood, count(*) as films from rental.film group by mood;
      create unique index on rental.mood_films (mood);
      create function rental.staff_label(s rental.staff) returns text language sql as 'select s.name';`);
    try {
      const steps =
        tableStep("film", "overwrite", "    refresh_materialized_views: true\n") +
        tableStep("staff", "overwrite") +
        tableStep("payment", "overwrite") +
        copyStep("partition", "schema: rental, table: payment_2022_10", "payment_2022_10", "overwrite") +
        tableStep("Customer", "overwrite", "    overwrite_method: replace\n");
      const run = await runJobIn(project(steps), "copy");
      const failed = ["film", "staff", "payment", "partition", "customer"].map((step) => run.error(step)).find(Boolean);
      expect(run.result.status, failed).toBe("succeeded");
      expect(run.events.filter((event) => event.event === "step_attempt_failed")).toEqual([]);
      expect(run.output("film")).toMatchObject({
        overwrite_method: "replace",
        rows_inserted: 999,
        rows_updated: 1,
        rows_deleted: 1,
        materialized_views_refreshed: ["rental.mood_films"],
      });
      expect(run.output("staff")).toMatchObject({ overwrite_method: "replace", rows_inserted: 49, rows_updated: 1, rows_deleted: 1 });
      expect(run.output("payment")).toMatchObject({ overwrite_method: "replace", rows_inserted: 1499, rows_updated: 1, rows_deleted: 1 });
      expect(run.output("partition")).toMatchObject({ overwrite_method: "replace" });
      expect(run.output("customer")).toMatchObject({ overwrite_method: "replace" });
      const logs = run.events.filter((event) => event.event === "log").map((event) => `${event.step}: ${String((event as { message?: unknown }).message)}`);
      expect(logs).toContainEqual(
        expect.stringMatching(
          /^film: overwriting rental\.film by replacing its rows in one transaction, since a swap cannot be done: materialized view rental\.mood_films reads rental\.film/,
        ),
      );
      expect(logs).toContainEqual(
        expect.stringMatching(
          /^staff: overwriting rental\.staff by replacing its rows in one transaction, since a swap cannot be done: function rental\.staff_label\(rental\.staff\) depends on rental\.staff/,
        ),
      );
      expect(logs).toContainEqual("film: refreshed materialized view rental.mood_films");
      for (const [relation, key] of [
        ["rental.film", "film_id"],
        ["rental.staff", "staff_id"],
        ["rental.payment", "payment_id"],
        ['rental."Customer"', '"CustomerId"'],
      ]) {
        expect(await checksum(target, relation!, key!), relation).toEqual(await checksum(source, relation!, key!));
      }
      expect(await checksum(target, "rental.mood_films", "mood")).toEqual(
        await checksum(source, "(select mood, count(*) as films from rental.film group by mood)", "mood"),
      );
      // Forced to swap, the same table is refused, saying why and what else to do.
      const forced = await runJobIn(project(tableStep("film", "overwrite", "    overwrite_method: swap\n")), "copy");
      expect(forced.error("film")).toMatch(/^cannot overwrite rental\.film by a swap: materialized view rental\.mood_films reads rental\.film/);
      // A table a swap can overwrite is swapped by default.
      const swapped = await runJobIn(project(tableStep("Customer", "overwrite")), "copy");
      expect(swapped.output("customer")).toMatchObject({ overwrite_method: "swap" });
    } finally {
      await target.query("drop materialized view if exists rental.mood_films; drop function if exists rental.staff_label(rental.staff)");
    }
  });

  it("creates a missing target with the enum, domain and composite types it needs, and keeps a query's typmods and NOT NULL", async () => {
    const bare = await createDatabase("rental_bare");
    cleanups.push(() => bare.drop());
    await bare.query("create schema rental");
    await source.query(
      "create schema extra; create type extra.color as enum ('red', 'blue'); create table rental.painted (id int primary key, color extra.color)",
    );
    const made = makeProject({
      "nomaflow.yaml": `connectors:\n  src: { url: "${source.url}" }\n  bare: { url: "${bare.url}" }\n`,
      "jobs/copy.yaml": `id: copy\nsteps:\n${[
        ["film", "table: film", "film"],
        ["film-again", "table: film", "film_again"],
        ["payments", 'query: "select payment_id, amount, payment_date, amount * 2 as doubled from rental.payment"', "payment_q"],
        [
          "joined",
          'query: "select f.film_id, f.release_year, s.name, s.hired from rental.film f left join rental.staff s on s.staff_id = f.film_id"',
          "film_staff",
        ],
      ]
        .map(
          ([name, from, to]) =>
            `  - { name: ${name}, type: sql_copy, source: { connector: src, schema: rental, ${from} }, target: { connector: bare, schema: rental, table: ${to} }, mode: append }\n`,
        )
        .join("")
        .replace(/schema: rental, query/g, "query")}`,
      "jobs/painted.yaml": `id: painted\nsteps:\n  - { name: painted, type: sql_copy, source: { connector: src, schema: rental, table: painted }, target: { connector: bare, schema: rental, table: painted }, mode: append }\n`,
    });
    cleanups.push(made.remove);
    const run = await runJobIn(made.root, "copy");
    expect(run.result.status, ["film", "film-again", "payments", "joined"].map((step) => run.error(step)).find(Boolean)).toBe("succeeded");
    expect(run.output("film")).toMatchObject({ rows: 1000, created_target: true, types_created: ["rental.mood", "rental.year", "rental.address"] });
    expect(run.output("film-again")).toMatchObject({ rows: 1000, created_target: true });
    expect(run.output("film-again")).not.toHaveProperty("types_created");
    const logs = run.events.filter((event) => event.event === "log").map((event) => `${event.step}: ${String((event as { message?: unknown }).message)}`);
    expect(logs).toContain("film: created type rental.mood on the target, as the source defines it");
    expect(logs).toContain("joined: column name of rental.film_staff is left nullable: its source column is NOT NULL, but the query gives nulls in it");
    const sourceFilm = await checksum(source, "rental.film", "film_id");
    expect(await checksum(bare, "rental.film", "film_id")).toEqual(sourceFilm);
    expect(await checksum(bare, "rental.film_again", "film_id")).toEqual(sourceFilm);
    // The types are the source's: the domain's check and the enum's order hold on the target.
    await expect(bare.query("insert into rental.film (film_id, title, release_year) values (0, 'x', 1800)")).rejects.toThrow(/violates check constraint/);
    expect((await bare.query("select enum_range(null::rental.mood)::text as labels")).rows).toEqual([{ labels: "{sad,ok,happy}" }]);
    const columnsOf = async (table: string) =>
      (
        await bare.query(
          `select attname as name, format_type(atttypid, atttypmod) as type, attnotnull as not_null from pg_attribute where attrelid = $1::regclass and attnum > 0 order by attnum`,
          [table],
        )
      ).rows;
    expect(await columnsOf("rental.payment_q")).toEqual([
      { name: "payment_id", type: "integer", not_null: true },
      { name: "amount", type: "numeric(5,2)", not_null: false },
      { name: "payment_date", type: "timestamp without time zone", not_null: true },
      { name: "doubled", type: "numeric", not_null: false },
    ]);
    expect(await columnsOf("rental.film_staff")).toEqual([
      { name: "film_id", type: "integer", not_null: true },
      { name: "release_year", type: "rental.year", not_null: false },
      { name: "name", type: "text", not_null: false },
      { name: "hired", type: "date", not_null: false },
    ]);
    expect(await checksum(bare, "rental.payment_q", "payment_id")).toEqual(
      await checksum(source, "(select payment_id, amount, payment_date, amount * 2 as doubled from rental.payment)", "payment_id"),
    );
    // A type whose schema the target lacks: the step says what to create, and creates nothing.
    const painted = await runJobIn(made.root, "painted");
    expect(painted.error("painted")).toBe("cannot create rental.painted: type extra.color needs schema extra, which the target lacks (CREATE SCHEMA extra)");
    expect((await bare.query("select to_regclass('rental.painted') as t")).rows).toEqual([{ t: null }]);
  });

  it("advances serial and identity sequences past the loaded keys in every mode, and says so", async () => {
    for (const mode of ["append", "upsert", "overwrite"]) {
      await target.query('truncate rental.film, rental.staff, rental."Customer" restart identity');
      const run = await runJobIn(project(tableStep("film", mode) + tableStep("staff", mode) + tableStep("Customer", mode)), "copy");
      expect(run.result.status, `${mode}: ${run.error("film") ?? run.error("staff") ?? run.error("customer")}`).toBe("succeeded");
      expect(run.output("film")?.sequences_advanced, mode).toEqual({ "rental.film_film_id_seq": 1000 });
      expect(run.output("staff")?.sequences_advanced, mode).toEqual({ "rental.staff_staff_id_seq": 50 });
      expect(run.output("customer")?.sequences_advanced, mode).toEqual({ 'rental."Customer_CustomerId_seq"': 500 });
      const logged = run.events.filter(
        (event) =>
          event.event === "log" &&
          event.step === "film" &&
          /advanced sequence rental\.film_film_id_seq to 1000/.test(String((event as { message?: unknown }).message)),
      );
      expect(logged, mode).toHaveLength(1);
      const next = await target.query(`
        insert into rental.film (title) values ('next') returning film_id as id;
        insert into rental.staff (name) values ('next') returning staff_id as id;
        insert into rental."Customer" ("Name") values ('next') returning "CustomerId" as id`);
      expect(
        (next as unknown as Array<{ rows: Array<{ id: number }> }>).map((result) => result.rows[0]!.id),
        mode,
      ).toEqual([1001, 51, 501]);
    }
    // A sequence already past the loaded keys is never moved back.
    const again = await runJobIn(project(tableStep("staff", "upsert")), "copy");
    expect(again.output("staff")?.sequences_advanced).toEqual({});
    expect((await target.query("select nextval('rental.staff_staff_id_seq') as id")).rows).toEqual([{ id: "52" }]);
  });

  it("copies a partitioned table, a view and a materialized view given as source.table, binary where the types allow", async () => {
    const steps =
      copyStep("payment", "schema: rental, table: payment", "payment_copy", "overwrite") +
      copyStep("payment_partitioned", "schema: rental, table: payment", "payment", "append") +
      copyStep("view", "schema: rental, table: film_list", "film_list", "overwrite") +
      copyStep("matview", "schema: rental, table: film_count", "film_count", "overwrite");
    for (const round of [1, 2]) {
      await target.query("truncate rental.payment");
      const run = await runJobIn(project(steps), "copy");
      const failed = ["payment", "payment_partitioned", "view", "matview"].map((step) => run.error(step)).find(Boolean);
      expect(run.result.status, `round ${round}: ${failed}`).toBe("succeeded");
      expect(run.events.filter((event) => event.event === "step_attempt_failed")).toEqual([]);
      expect(run.output("payment")).toMatchObject({ rows: 1500, format: "binary", created_target: round === 1 });
      expect(run.output("payment_partitioned")).toMatchObject({ rows: 1500, format: "binary" });
      expect(run.output("view")).toMatchObject({ rows: 1000, format: "text" });
      expect(run.output("matview")).toMatchObject({ rows: 3 });
      const payments = await checksum(source, "rental.payment", "payment_id");
      expect(await checksum(target, "rental.payment_copy", "payment_id")).toEqual(payments);
      expect(await checksum(target, "rental.payment", "payment_id")).toEqual(payments);
      expect(await checksum(target, "rental.film_list", "film_id")).toEqual(await checksum(source, "rental.film_list", "film_id"));
      expect(await checksum(target, "rental.film_count", "mood")).toEqual(await checksum(source, "rental.film_count", "mood"));
    }
  });

  it("a sequence the target's user may not advance is a warning, not a failure: the rows are committed", async () => {
    const role = `nomaflow_loader_${Math.random().toString(36).slice(2, 8)}`;
    await target.query(
      `create role ${role} login; grant usage on schema rental to ${role}; grant select, insert, update on rental.staff to ${role}; truncate rental.staff restart identity`,
    );
    try {
      const url = new URL(target.url);
      url.username = role;
      const made = makeProject({
        "nomaflow.yaml": `connectors:\n  src: { url: "${source.url}" }\n  dst: { url: "${url.toString()}" }\n`,
        "jobs/copy.yaml": `id: copy\nretry: { attempts: 2, base_seconds: 0 }\nsteps:\n${tableStep("staff", "append")}`,
      });
      cleanups.push(made.remove);
      const run = await runJobIn(made.root, "copy");
      expect(run.result.status, run.error("staff")).toBe("succeeded");
      expect(run.output("staff")).toMatchObject({ rows: 50, sequences_advanced: {} });
      const warnings = run.events
        .filter((event) => event.event === "log" && (event as { level: string }).level === "warning")
        .map((event) => (event as { message: string }).message);
      expect(warnings).toEqual([
        expect.stringMatching(
          /^the rows are in rental\.staff, but its sequences were not advanced past them: permission denied for sequence staff_staff_id_seq/,
        ),
      ]);
      expect((await target.query("select count(*)::int as n from rental.staff")).rows).toEqual([{ n: 50 }]);
    } finally {
      await target.query(`drop owned by ${role}; drop role ${role}`);
    }
  });
});
