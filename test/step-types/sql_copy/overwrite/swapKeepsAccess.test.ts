/**
 * After an overwrite swap, who may read the target and what sits on it still work: grants to
 * several roles (table and column), the owner, comments, triggers, row-level security and its
 * policies, and the views that read the target (with their own grants and views on them).
 */
import { beforeAll, expect, it } from "vitest";
import { describeOnBackends } from "../../../support/backends.js";
import { overwrite, rejection, scalar } from "./realOverwrite.js";

describeOnBackends("overwrite swap keeps grants, owner, comments, triggers, policies and views", (h) => {
  let reader: string;
  let writer: string;
  let stranger: string;
  let owner: string;
  beforeAll(async () => {
    if (!h.has("roles")) return;
    // One at a time: the roles are made on one connection.
    const roles: string[] = [];
    for (const label of ["reader", "writer", "stranger", "owner"]) roles.push(await h.createRole(label));
    [reader, writer, stranger, owner] = roles as [string, string, string, string];
    await h.query(`grant usage on schema public to "${reader}", "${writer}", "${stranger}"`);
  });

  /** Runs `sql` as `role` on a connection of its own. */
  const as = async (role: string, sql: string) => {
    const client = await h.connect();
    await client.query(`set role "${role}"`);
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };

  h.itNeeds("roles", "keeps table and column grants for several roles, grant options, and no more than those", async () => {
    await h.query(`create table salaries (id int primary key, name text, amount int);
      insert into salaries values (1, 'old', 1);
      grant select on salaries to "${reader}" with grant option;
      grant select, insert, update on salaries to "${writer}";
      grant select (id, name), update (name) on salaries to "${stranger}";
      alter default privileges grant delete on tables to "${stranger}"`);
    const acl = () => scalar(h, `select relacl::text from pg_class where relname = 'salaries'`);
    const columnAcls = () =>
      h.query(`select attname, attacl::text from pg_attribute where attrelid = 'salaries'::regclass and attacl is not null order by attnum`);
    const [aclBefore, columnsBefore] = [await acl(), (await columnAcls()).rows];

    await overwrite(h, { schema: "public", table: "salaries" }, (stash) => `insert into ${stash} values (2, 'new', 2)`);
    await h.query(`alter default privileges revoke delete on tables from "${stranger}"`);

    expect(await acl()).toBe(aclBefore);
    expect((await columnAcls()).rows).toEqual(columnsBefore);
    expect((await as(reader, `select name from salaries`)).rows).toEqual([{ name: "new" }]);
    await as(writer, `insert into salaries values (3, 'w', 3)`);
    expect((await as(stranger, `select id, name from salaries order by id`)).rows).toEqual([
      { id: 2, name: "new" },
      { id: 3, name: "w" },
    ]);
    expect((await rejection(as(stranger, `select amount from salaries`))).code).toBe("42501");
    expect((await rejection(as(stranger, `delete from salaries`))).code).toBe("42501");
    expect((await rejection(as(reader, `insert into salaries values (4, 'r', 4)`))).code).toBe("42501");
  });

  h.itNeeds("roles", "keeps the owner, and comments on the table, columns, indexes, constraints and policies", async () => {
    await h.query(`create table notes (id int constraint notes_pkey primary key, body text, tag text);
      create index notes_tag on notes (tag);
      create table note_links (note int constraint note_links_note_fkey references notes);
      create policy notes_all on notes using (true);
      comment on table notes is 'Notes, one per line: it''s \\ tricky';
      comment on column notes.body is 'the text';
      comment on index notes_tag is 'by tag';
      comment on constraint notes_pkey on notes is 'one per id';
      comment on constraint note_links_note_fkey on note_links is 'link';
      comment on policy notes_all on notes is 'everyone';
      alter table notes owner to "${owner}"`);
    await overwrite(h, { schema: "public", table: "notes" }, (stash) => `insert into ${stash} values (1, 'x')`);
    const row = (
      await h.query(
        `select pg_get_userbyid(relowner) as owner, obj_description(oid, 'pg_class') as comment, col_description(oid, 2) as body from pg_class where relname = 'notes'`,
      )
    ).rows[0];
    expect(row).toEqual({ owner, comment: "Notes, one per line: it's \\ tricky", body: "the text" });
    const comments = await h.query(`select obj_description('notes_tag'::regclass, 'pg_class') as index,
      (select obj_description(oid, 'pg_constraint') from pg_constraint where conname = 'notes_pkey') as key,
      (select obj_description(oid, 'pg_constraint') from pg_constraint where conname = 'note_links_note_fkey') as link,
      (select obj_description(oid, 'pg_policy') from pg_policy where polname = 'notes_all') as policy`);
    expect(comments.rows[0]).toEqual({ index: "by tag", key: "one per id", link: "link", policy: "everyone" });
  });

  it("keeps triggers (with their enabled state), and they fire on the new table but not for the copied rows", async () => {
    await h.query(`create table audit (what text);
      create table tracked (id int, name text);
      create function tracked_audit() returns trigger language plpgsql as $$
        begin insert into audit values (tg_argv[0] || ':' || tg_op || ':' || new.name); return new; end $$;
      create trigger "Tracked audit" after insert or update of name on tracked for each row when (new.name <> '') execute function tracked_audit('row');
      create trigger tracked_off after insert on tracked for each row execute function tracked_audit('off');
      alter table tracked disable trigger tracked_off;
      comment on trigger "Tracked audit" on tracked is 'audit trail'`);
    await overwrite(h, { schema: "public", table: "tracked" }, (stash) => `insert into ${stash} values (1, 'copied')`);
    expect(await scalar(h, `select count(*)::int from audit`)).toBe(0);
    await h.query(`insert into tracked values (2, 'typed'); update tracked set name = 'renamed' where id = 1`);
    expect((await h.query(`select what from audit order by what`)).rows.map((row) => row.what)).toEqual(["row:INSERT:typed", "row:UPDATE:renamed"]);
    expect(await scalar(h, `select tgenabled from pg_trigger where tgname = 'tracked_off'`)).toBe("D");
    expect(await scalar(h, `select obj_description(oid, 'pg_trigger') from pg_trigger where tgname = 'Tracked audit'`)).toBe("audit trail");
  });

  h.itNeeds("roles", "keeps row-level security (enabled and forced) and its policies", async () => {
    await h.query(`create table tenants_data (tenant text, value int);
      alter table tenants_data enable row level security;
      alter table tenants_data force row level security;
      create policy tenant_a on tenants_data for select to "${reader}" using (tenant = 'a');
      create policy no_big on tenants_data as restrictive for all to public using (true) with check (value < 100);
      grant select, insert on tenants_data to "${reader}"`);
    await overwrite(h, { schema: "public", table: "tenants_data" }, (stash) => `insert into ${stash} values ('a', 1), ('b', 2), ('a', 3)`);
    expect((await as(reader, `select value from tenants_data order by value`)).rows).toEqual([{ value: 1 }, { value: 3 }]);
    expect((await rejection(as(reader, `insert into tenants_data values ('a', 500)`))).code).toBe("42501");
    const flags = (await h.query(`select relrowsecurity, relforcerowsecurity from pg_class where relname = 'tenants_data'`)).rows[0];
    expect(flags).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
    expect((await h.query(`select policyname, permissive from pg_policies where tablename = 'tenants_data' order by 1`)).rows).toEqual([
      { policyname: "no_big", permissive: "RESTRICTIVE" },
      { policyname: "tenant_a", permissive: "PERMISSIVE" },
    ]);
  });

  h.itNeeds("roles", "re-points dependent views, views on them keep working, and the views keep their grants and options", async () => {
    await h.query(`create table sales (id int, region text, amount int, batch int);
      insert into sales values (1, 'north', 10, 1);
      create view sales_north with (security_barrier = true) as select id, amount, batch from sales where region = 'north' with local check option;
      create view sales_total as select sum(amount) as total, max(batch) as batch from sales_north;
      create view sales_mixed as select s.id, n.total from sales s cross join sales_total n;
      create materialized view sales_snapshot as select * from sales_total;
      grant select on sales_total to "${reader}";
      comment on view sales_north is 'north only'`);

    await overwrite(
      h,
      { schema: "public", table: "sales" },
      (stash) => `insert into ${stash} values (5, 'north', 7, 2), (6, 'north', 8, 2), (7, 'south', 100, 2)`,
    );

    expect((await h.query(`select * from sales_north order by id`)).rows).toEqual([
      { id: 5, amount: 7, batch: 2 },
      { id: 6, amount: 8, batch: 2 },
    ]);
    expect((await as(reader, `select total::int, batch from sales_total`)).rows).toEqual([{ total: 15, batch: 2 }]);
    expect((await rejection(as(stranger, `select * from sales_total`))).code).toBe("42501");
    expect((await h.query(`select id, total::int from sales_mixed order by id`)).rows).toEqual([
      { id: 5, total: 15 },
      { id: 6, total: 15 },
      { id: 7, total: 15 },
    ]);
    await h.query(`refresh materialized view sales_snapshot`);
    expect(await scalar(h, `select total::int from sales_snapshot`)).toBe(15);
    expect(await scalar(h, `select reloptions::text from pg_class where relname = 'sales_north'`)).toBe("{security_barrier=true,check_option=local}");
    expect(await scalar(h, `select obj_description('sales_north'::regclass, 'pg_class')`)).toBe("north only");
    expect((await rejection(h.query(`insert into sales_north values (9, 1, 3)`))).code).toBe("44000");
  });
});
