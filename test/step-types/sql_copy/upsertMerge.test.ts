/**
 * upsert as MERGE where the batch covers most of the target, and as ON CONFLICT where it is a
 * small part of it: the same rows and counts either way. Told apart by the unchanged rows: ON
 * CONFLICT locks each existing row it meets (their xmax becomes the upsert's transaction), MERGE
 * leaves them exactly as they were. MERGE gives way to ON CONFLICT on a key another session
 * inserts meanwhile, and on a key the batch gives twice, whose error is ON CONFLICT's.
 */
import pg from "pg";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../../support/postgres.js";
import { runJobIn } from "../../support/runProject.js";
import { makeProject } from "../../support/tempProject.js";

describeWithPostgres("sql_copy upsert: MERGE or ON CONFLICT", () => {
  const failed = trackFailures();
  let source: TestDatabase;
  let target: TestDatabase;
  let root: string;
  let remove: () => void;

  const table = "(id int primary key, name text, qty int)";
  beforeAll(async () => {
    source = await createDatabase("upsert_merge_src");
    target = await createDatabase("upsert_merge_dst");
    // 1..1000 as in the target, but every tenth renamed; 1001..1100 new. The duplicates table
    // gives key 2000 twice.
    await source.query(`create table public.items ${table}; insert into public.items select g, 'item ' || g || case when g % 10 = 0 then ' (new name)' else '' end, g from generate_series(1, 1100) g;
      create table public.twice (id int, name text, qty int); insert into public.twice values (2000, 'a', 1), (2000, 'b', 2), (1, 'item 1', 1)`);
    ({ root, remove } = makeProject({
      "nomaflow.yaml": `connectors:\n  src: { url: "${source.url}" }\n  dst: { url: "${target.url}" }\n`,
      "jobs/upsert.yaml":
        "id: upsert\nsteps:\n  - name: upsert\n    type: sql_copy\n    source: { connector: src, table: items }\n    target: { connector: dst, table: items }\n    mode: upsert\n",
      "jobs/some.yaml":
        "id: some\nsteps:\n  - name: upsert\n    type: sql_copy\n    source: { connector: src, query: 'select * from items where id between 991 and 1010' }\n    target: { connector: dst, table: items }\n    mode: upsert\n",
      "jobs/twice.yaml":
        "id: twice\nsteps:\n  - name: upsert\n    type: sql_copy\n    source: { connector: src, table: twice }\n    target: { connector: dst, table: items }\n    mode: upsert\n    key: id\n",
    }));
  });
  afterAll(async () => {
    remove?.();
    await source?.drop(failed());
    await target?.drop(failed());
  });
  beforeEach(async () => {
    await target.query(`drop table if exists public.items; create table public.items ${table};
      insert into public.items select g, 'item ' || g, g from generate_series(1, 1000) g`);
    // Yesterday's rows, settled: no row is locked before the upsert.
    await target.query("vacuum public.items");
  });

  /** How many of the rows that kept their values were locked by the upsert (xmax set). */
  const lockedUnchanged = async () =>
    Number((await target.query("select count(*) from public.items where id % 10 <> 0 and id <= 1000 and xmax <> 0")).rows[0].count);

  it("a batch that covers the table is merged: inserted, updated and unchanged rows, the unchanged not even locked", async () => {
    const run = await runJobIn(root, "upsert");
    expect(run.result.status, run.error("upsert")).toBe("succeeded");
    expect(run.output("upsert")).toMatchObject({ rows: 1100, rows_inserted: 100, rows_updated: 100, rows_unchanged: 900 });
    expect(await lockedUnchanged()).toBe(0);
    const { rows } = await target.query("select count(*)::int as n, count(*) filter (where name like '%(new name)')::int as renamed from public.items");
    expect(rows[0]).toEqual({ n: 1100, renamed: 110 });
  });

  it("a small batch into a bigger table goes through ON CONFLICT, with the same counts", async () => {
    const run = await runJobIn(root, "some");
    expect(run.result.status, run.error("upsert")).toBe("succeeded");
    // 991..1010: 1000 renamed, 1001..1010 new (1010 renamed too), the other nine as they were.
    expect(run.output("upsert")).toMatchObject({ rows: 20, rows_inserted: 10, rows_updated: 1, rows_unchanged: 9 });
    expect(await lockedUnchanged()).toBe(9);
  });

  it("a key another session inserts meanwhile: MERGE waits for it, gives way, and ON CONFLICT updates it", async () => {
    const other = new pg.Client({ connectionString: target.url });
    await other.connect();
    try {
      await other.query("begin");
      await other.query("insert into public.items values (1051, 'inserted meanwhile', 0)");
      const running = runJobIn(root, "upsert");
      // The MERGE inserting 1051 waits for the other transaction to end.
      for (let waited = 0; ; waited += 50) {
        const { rows } = await target.query(
          "select count(*)::int as n from pg_stat_activity where datname = $1 and wait_event_type = 'Lock' and query like 'MERGE%'",
          [target.name],
        );
        if (rows[0].n === 1) break;
        if (waited > 20_000) throw new Error("the upsert never waited on the other session's insert");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await other.query("commit");
      const run = await running;
      expect(run.result.status, run.error("upsert")).toBe("succeeded");
      expect(run.output("upsert")).toMatchObject({ rows: 1100, rows_inserted: 99, rows_updated: 101, rows_unchanged: 900 });
      expect((await target.query("select name from public.items where id = 1051")).rows).toEqual([{ name: "item 1051" }]);
    } finally {
      await other.end();
    }
  });

  it("a key the batch gives twice fails with ON CONFLICT's own message, and nothing is written", async () => {
    await target.query("truncate public.items; insert into public.items values (1, 'item 1', 1)");
    const run = await runJobIn(root, "twice");
    expect(run.result.status).toBe("failed");
    expect(run.error("upsert")).toMatch(/ON CONFLICT DO UPDATE command cannot affect row a second time/);
    expect((await target.query("select count(*)::int as n from public.items")).rows).toEqual([{ n: 1 }]);
  });
});
