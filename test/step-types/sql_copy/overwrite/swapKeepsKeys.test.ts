/**
 * After an overwrite swap, the target's indexes, keys, constraints, defaults and sequences work
 * as before, on the new rows. Each test: a target that has the thing, a stash loaded with other
 * rows, the swap, then a use of the thing that shows it is still there.
 */
import { expect, it } from "vitest";
import { completeStash } from "../../../../src/step-types/sql_copy/overwrite/completeStash.js";
import { createStash, findStashTables, stashName } from "../../../../src/step-types/sql_copy/overwrite/stashTable.js";
import { describeOnBackends } from "../../../support/backends.js";
import { describeTarget } from "../../../../src/step-types/sql_copy/overwrite/describeTarget.js";
import { overwrite, rejection, scalar } from "./realOverwrite.js";

describeOnBackends("overwrite swap keeps keys, indexes, constraints and sequences", (h) => {
  const codeOf = async (sql: string) => (await rejection(h.query(sql))).code;
  const indexNames = async (table: string) =>
    (await h.query(`select indexname from pg_indexes where schemaname = 'public' and tablename = $1 order by 1`, [table])).rows.map((row) => row.indexname);

  h.itNeeds("sessions", "keeps the primary key and unique, partial and expression indexes, under their own names", async () => {
    await h.query(`create table items (id int primary key, code text not null, email text, deleted boolean not null default false, unique (code));
      create unique index items_email_lower on items (lower(email)) where not deleted;
      create index items_code_desc on items (code desc) include (email) with (fillfactor = 70);
      alter table items replica identity using index items_code_key, cluster on items_pkey, set (fillfactor = 80, autovacuum_enabled = false);
      insert into items values (1, 'old', 'a@x', false)`);
    const before = await indexNames("items");

    await overwrite(h, { schema: "public", table: "items" }, (stash) => `insert into ${stash} values (10, 'a', 'A@x', false), (11, 'b', 'a@x', true)`);

    expect(await indexNames("items")).toEqual(before);
    expect(await codeOf(`insert into items values (10, 'z', null, false)`)).toBe("23505");
    expect(await codeOf(`insert into items values (12, 'a', null, false)`)).toBe("23505");
    expect(await codeOf(`insert into items values (12, 'c', 'a@X', false)`)).toBe("23505");
    await h.query(`insert into items values (12, 'c', 'a@X', true)`);
    expect(await scalar(h, `select pg_get_indexdef('items_code_desc'::regclass)`)).toContain("WITH (fillfactor='70')");
    const constraints = await h.query(`select conname, contype from pg_constraint where conrelid = 'items'::regclass order by 1`);
    expect(constraints.rows).toEqual([
      { conname: "items_code_key", contype: "u" },
      { conname: "items_pkey", contype: "p" },
    ]);
    const flags = await h.query(`select c.relname, i.indisreplident, i.indisclustered from pg_index i join pg_class c on c.oid = i.indexrelid
      where i.indrelid = 'items'::regclass and (i.indisreplident or i.indisclustered) order by 1`);
    expect(flags.rows).toEqual([
      { relname: "items_code_key", indisreplident: true, indisclustered: false },
      { relname: "items_pkey", indisreplident: false, indisclustered: true },
    ]);
    expect(await scalar(h, `select reloptions::text from pg_class where relname = 'items'`)).toBe("{fillfactor=80,autovacuum_enabled=false}");
    const reader = await h.connect();
    await reader.query("set enable_seqscan = off");
    const plan = await reader.query(`explain select * from items where lower(email) = 'a@x' and not deleted`);
    expect(plan.rows.map((row) => row["QUERY PLAN"]).join("\n")).toContain("items_email_lower");
  });

  it("keeps exclusion constraints and deferrable unique constraints", async () => {
    await h.query(`create table bookings (room int not null, during tsrange not null, seq int,
      exclude using gist (during with &&), constraint bookings_seq_key unique (seq) deferrable initially deferred)`);
    await overwrite(h, { schema: "public", table: "bookings" }, (stash) => `insert into ${stash} values (1, '[2026-01-01,2026-01-02)', 1)`);
    expect(await codeOf(`insert into bookings values (2, '[2026-01-01 12:00,2026-01-03)', 2)`)).toBe("23P01");
    expect(await scalar(h, `select condeferred from pg_constraint where conname = 'bookings_seq_key'`)).toBe(true);
  });

  it("keeps CHECK and NOT NULL constraints and column defaults", async () => {
    await h.query(`create table prices (id int not null, amount numeric check (amount >= 0), currency text not null default 'EUR',
      loaded_at timestamptz default now(), constraint prices_sane check (id > 0 and amount < 1000000))`);
    await overwrite(h, { schema: "public", table: "prices" }, (stash) => `insert into ${stash} (id, amount) values (1, 5)`);
    expect(await codeOf(`insert into prices (id, amount) values (2, -1)`)).toBe("23514");
    expect(await codeOf(`insert into prices (id, amount) values (-2, 1)`)).toBe("23514");
    expect(await codeOf(`insert into prices (id, amount, currency) values (null, 1, 'USD')`)).toBe("23502");
    const row = (await h.query(`insert into prices (id, amount) values (3, 1) returning currency, loaded_at is not null as stamped`)).rows[0];
    expect(row).toEqual({ currency: "EUR", stamped: true });
    expect(await scalar(h, `select count(*)::int from pg_constraint where conrelid = 'prices'::regclass and conname = 'prices_sane'`)).toBe(1);
  });

  it("keeps foreign keys from the target, to the target and to itself", async () => {
    await h.query(`create table countries (code text primary key);
      insert into countries values ('FR'), ('DE');
      create table customers (id int primary key, country text references countries on update cascade, referrer int references customers (id));
      insert into customers values (1, 'FR', null), (2, 'DE', 1);
      create table orders (id int primary key, customer int constraint orders_customer_fkey references customers on delete cascade);
      insert into orders values (100, 1)`);

    const result = await overwrite(h, { schema: "public", table: "customers" }, (stash) => `insert into ${stash} values (1, 'DE', null), (3, 'FR', 1)`);

    expect(result.warnings).toEqual([]);
    // From the target: a missing country is refused; the cascade still reaches it.
    expect(await codeOf(`insert into customers values (9, 'XX', null)`)).toBe("23503");
    await h.query(`update countries set code = 'FX' where code = 'FR'`);
    expect(await scalar(h, `select country from customers where id = 3`)).toBe("FX");
    // To itself: a missing referrer is refused.
    expect(await codeOf(`insert into customers values (9, 'DE', 42)`)).toBe("23503");
    // To the target: orders needs an existing customer, is validated, and cascades on delete.
    expect(await codeOf(`insert into orders values (101, 2)`)).toBe("23503");
    await h.query(`insert into orders values (101, 3)`);
    expect(await scalar(h, `select convalidated from pg_constraint where conname = 'orders_customer_fkey'`)).toBe(true);
    expect(await scalar(h, `select confrelid::regclass::text from pg_constraint where conname = 'orders_customer_fkey'`)).toBe("customers");
    await h.query(`delete from customers where id = 3`);
    expect(await scalar(h, `select string_agg(id::text, ',') from orders`)).toBe("100");
  });

  h.itNeeds("sessions", "stops before the swap when other tables refer to keys the new rows lack, leaving the target and no stash", async () => {
    await h.query(`create table accounts (id int primary key); insert into accounts values (1), (2);
      create table payments (id int, account int references accounts); insert into payments values (1, 2)`);
    const error = await rejection(overwrite(h, { schema: "public", table: "accounts" }, (stash) => `insert into ${stash} values (1), (3)`));
    expect(error.message).toBe(
      "overwrite of public.accounts stopped before the swap: public.payments has a row with (account)=(2), which foreign key payments_account_fkey requires in public.accounts, but the new rows lack it; public.accounts is unchanged",
    );
    expect(error.retryable).toBe(false);
    expect(await scalar(h, `select string_agg(id::text, ',' order by id) from accounts`)).toBe("1,2");
    expect(await findStashTables(h.query, "public", "accounts")).toEqual([]);
  });

  it("moves a serial column's sequence to the new table, and numbering continues", async () => {
    await h.query(`create table events (id serial primary key, name text); insert into events (name) values ('a'), ('b'), ('c')`);
    await overwrite(h, { schema: "public", table: "events" }, (stash) => `insert into ${stash} (id, name) values (1, 'x')`);
    expect(await scalar(h, `select pg_get_serial_sequence('events', 'id')`)).toBe("public.events_id_seq");
    expect(await scalar(h, `insert into events (name) values ('d') returning id`)).toBe(4);
    await h.query(`drop table events`);
    expect(await scalar(h, `select count(*)::int from pg_class where relname = 'events_id_seq'`)).toBe(0);
  });

  h.itNeeds("roles", "carries identity columns over: same sequence name and options, numbering continues", async () => {
    const user = await h.createRole("ticket_user");
    await h.query(`create table tickets (id bigint generated always as identity (start with 100 increment by 5) primary key, title text);
      insert into tickets (title) values ('a'), ('b');
      grant select on sequence tickets_id_seq to "${user}"`);
    const sequenceAcl = () => scalar(h, `select relacl::text from pg_class where relname = 'tickets_id_seq'`);
    const aclBefore = await sequenceAcl();
    await overwrite(h, { schema: "public", table: "tickets" }, (stash) => `insert into ${stash} (id, title) overriding system value values (100, 'x')`);
    expect(await scalar(h, `select pg_get_serial_sequence('tickets', 'id')`)).toBe("public.tickets_id_seq");
    expect(await scalar(h, `insert into tickets (title) values ('c') returning id`)).toBe("110");
    expect(await codeOf(`insert into tickets (id, title) values (1, 'd')`)).toBe("428C9");
    expect(await sequenceAcl()).toBe(aclBefore);
  });

  it("keeps extended statistics objects under their names", async () => {
    await h.query(`create table measures (a int, b int); create statistics measures_ab (dependencies, ndistinct) on a, b from measures;
      alter statistics measures_ab set statistics 500; comment on statistics measures_ab is 'correlated'`);
    await overwrite(h, { schema: "public", table: "measures" }, (stash) => `insert into ${stash} select i, i % 10 from generate_series(1, 100) i`);
    const row = (
      await h.query(
        `select stxrelid::regclass::text as tab, stxstattarget, obj_description(oid, 'pg_statistic_ext') as comment, stxkind::text from pg_statistic_ext where stxname = 'measures_ab'`,
      )
    ).rows[0];
    expect(row).toEqual({ tab: "measures", stxstattarget: 500, comment: "correlated", stxkind: "{d,f}" });
  });

  it("copies columns, types, defaults, NOT NULL, CHECK, generated columns, storage and column comments into a stash without indexes", async () => {
    await h.query(`create unlogged table shapes (id int primary key, w numeric(10,2) not null default 1, h numeric(10,2) check (h > 0),
      area numeric generated always as (w * h) stored, label varchar(20) collate "C", blob text, unique (label));
      alter table shapes alter column blob set storage external;
      comment on column shapes.w is 'width in metres'`);
    const plan = await h.session(async (query) =>
      createStash(
        query,
        { schema: "public", table: "shapes" },
        stashName("shapes", "20261128T020000000Z-abcdef"),
        await describeTarget(query, { schema: "public", table: "shapes" }),
      ),
    );
    expect(plan.stash).toBe("shapes__nomaflow_stash_abcdef");
    const columns = (table: string) =>
      h.query(
        `select a.attname, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull, pg_get_expr(d.adbin, d.adrelid) as def, a.attgenerated, a.attstorage,
           (select collname from pg_collation where oid = a.attcollation) as coll, col_description(a.attrelid, a.attnum) as comment
         from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
         where a.attrelid = $1::regclass and a.attnum > 0 order by a.attnum`,
        [table],
      );
    expect((await columns(plan.stash)).rows).toEqual((await columns("shapes")).rows);
    expect(await scalar(h, `select pg_get_constraintdef(oid) from pg_constraint where conrelid = $1::regclass`, [plan.stash])).toBe(
      "CHECK ((h > (0)::numeric))",
    );
    expect(await scalar(h, `select count(*)::int from pg_index where indrelid = $1::regclass`, [plan.stash])).toBe(0);
    expect(await scalar(h, `select relpersistence from pg_class where relname = $1`, [plan.stash])).toBe("u");
    expect(plan.description.columns.filter((column) => column.generated).map((column) => column.name)).toEqual(["area"]);

    await h.query(`insert into ${plan.stash} (id, w, h, label) values (1, 2, 3, 'a')`);
    await h.session(async (query) => completeStash(query, plan));
    expect(await scalar(h, `select count(*)::int from pg_index where indrelid = $1::regclass`, [plan.stash])).toBe(2);
    await h.query(`drop table ${plan.stash}`);
  });
  it("overwrites a table with keys, sequences, a view and a referencing table", async () => {
    await h.query(`create table gadgets (id serial primary key, code text unique, n int generated always as identity);
      insert into gadgets (code) values ('old');
      create index gadgets_code_lower on gadgets (lower(code)) where code <> '';
      create view gadgets_view as select id, code from gadgets;
      create table gadget_refs (gadget int references gadgets);
      insert into gadget_refs values (1);
      comment on table gadgets is 'embedded'`);

    const result = await overwrite(
      h,
      { schema: "public", table: "gadgets" },
      (stash) => `insert into ${stash} (id, code, n) overriding system value values (1, 'a', 5), (2, 'b', 6)`,
    );

    expect(result.lockHeldMs).toBeLessThan(1000);
    expect((await h.query("select id, code from gadgets_view order by id")).rows).toEqual([
      { id: 1, code: "a" },
      { id: 2, code: "b" },
    ]);
    expect((await rejection(h.query("insert into gadgets (code) values ('a')"))).code).toBe("23505");
    expect((await rejection(h.query("insert into gadget_refs values (3)"))).code).toBe("23503");
    expect((await h.query("select obj_description('gadgets'::regclass) as comment")).rows).toEqual([{ comment: "embedded" }]);
    expect(await findStashTables(h.query, "public", "gadgets")).toEqual([]);
  });
});
