/**
 * upsert's counts and an identity column outside the key: inserted, updated and unchanged rows
 * are told apart by the transaction's own row counters, and where `track_counts` is off by
 * RETURNING, with the same figures; a GENERATED ALWAYS identity column that is not the key keeps
 * the target's value on updated rows (PostgreSQL lets an UPDATE set it only to DEFAULT).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDatabase, describeWithPostgres, type TestDatabase } from "../../support/postgres.js";
import { runJobIn } from "../../support/runProject.js";
import { makeProject } from "../../support/tempProject.js";

describeWithPostgres("sql_copy upsert counts", () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let root: string;
  let remove: () => void;

  beforeAll(async () => {
    source = await createDatabase("upsert_counts_src");
    target = await createDatabase("upsert_counts_dst");
    const table = "create table public.items (id int generated always as identity, code text primary key, name text, qty int)";
    await source.query(
      `${table}; insert into public.items overriding system value values (1, 'a', 'Ann', 1), (2, 'b', 'Bob', 2), (3, 'c', 'Cid', 3), (4, 'd', 'Dee', 4)`,
    );
    // b changed, c equal, a and d missing; x only in the target. Ids differ from the source's.
    await target.query(`${table}; insert into public.items overriding system value values (20, 'b', 'old Bob', 2), (30, 'c', 'Cid', 3), (90, 'x', 'kept', 9)`);
    ({ root, remove } = makeProject({
      "nomaflow.yaml": `connectors:\n  src: { url: "${source.url}" }\n  dst: { url: "${target.url}" }\n`,
      "jobs/after-temp.yaml":
        "id: after-temp\nsteps:\n  - name: temp\n    type: sql\n    connector: dst\n    sql: create temp table scratch (a int); insert into scratch values (1); drop table scratch\n" +
        "  - name: upsert\n    type: sql_copy\n    source: { connector: src, table: items }\n    target: { connector: dst, table: items }\n    mode: upsert\n",
      "jobs/upsert.yaml":
        "id: upsert\nsteps:\n  - name: upsert\n    type: sql_copy\n    source: { connector: src, table: items }\n    target: { connector: dst, table: items }\n    mode: upsert\n",
    }));
  });
  afterAll(async () => {
    remove?.();
    await source?.drop();
    await target?.drop();
  });

  const snapshot = "select id, code, name, qty from public.items order by code";
  const reset = () =>
    target.query(
      `truncate public.items; insert into public.items overriding system value values (20, 'b', 'old Bob', 2), (30, 'c', 'Cid', 3), (90, 'x', 'kept', 9)`,
    );

  it("counts inserted, updated and unchanged rows, and keeps the target's identity values on updated rows", async () => {
    const run = await runJobIn(root, "upsert");
    expect(run.result.status, run.error("upsert")).toBe("succeeded");
    expect(run.output("upsert")).toMatchObject({ rows: 4, rows_inserted: 2, rows_updated: 1, rows_unchanged: 1 });
    expect((await target.query(snapshot)).rows).toEqual([
      { id: 1, code: "a", name: "Ann", qty: 1 },
      { id: 20, code: "b", name: "Bob", qty: 2 },
      { id: 30, code: "c", name: "Cid", qty: 3 },
      { id: 4, code: "d", name: "Dee", qty: 4 },
      { id: 90, code: "x", name: "kept", qty: 9 },
    ]);
  });

  it("gives the same counts and rows when the server keeps no row counters (track_counts off)", async () => {
    const counted = (await target.query(snapshot)).rows;
    await reset();
    await target.query(`alter database ${target.name} set track_counts = off`);
    try {
      const run = await runJobIn(root, "upsert");
      expect(run.result.status, run.error("upsert")).toBe("succeeded");
      expect(run.output("upsert")).toMatchObject({ rows: 4, rows_inserted: 2, rows_updated: 1, rows_unchanged: 1 });
      expect((await target.query(snapshot)).rows).toEqual(counted);
    } finally {
      await target.query(`alter database ${target.name} reset track_counts`);
    }
  });

  it("upserts in a session that already had a temporary table (an earlier step's), keeping that session's memory setting", async () => {
    await reset();
    const run = await runJobIn(root, "after-temp");
    expect(run.result.status, run.error("upsert")).toBe("succeeded");
    expect(run.output("upsert")).toMatchObject({ rows_inserted: 2, rows_updated: 1, rows_unchanged: 1 });
  });
});
