/**
 * DESIGN 5: during an overwrite, readers of the target never see it empty or partial and never get
 * an error: yesterday's rows until the swap, then today's.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../../support/postgres.js";
import { runJobIn } from "../../support/runProject.js";
import { makeProject } from "../../support/tempProject.js";

describeWithPostgres("sql_copy overwrite and its readers", () => {
  const failed = trackFailures();
  let ops: TestDatabase;
  let reporting: TestDatabase;
  let remove = () => {};

  beforeAll(async () => {
    ops = await createDatabase("readers_ops");
    reporting = await createDatabase("readers_reporting");
    await ops.query("create table public.facts (id int primary key, batch text not null, payload text)");
    await ops.query("insert into public.facts select g, 'today', repeat('x', 200) from generate_series(1, 150000) g");
    await reporting.query("create schema reporting; create table reporting.facts (id int primary key, batch text not null, payload text)");
    await reporting.query("insert into reporting.facts select g, 'yesterday', 'y' from generate_series(1, 1000) g");
    await reporting.query("create view reporting.fact_batches as select batch, count(*) as n from reporting.facts group by batch");
  });
  afterAll(async () => {
    remove();
    await ops?.drop(failed());
    await reporting?.drop(failed());
  });

  it.each(["swap", "replace"])(
    "a reader in a loop sees only yesterday's rows, then only today's, never nothing, never an error (overwrite_method: %s)",
    async (method) => {
      await reporting.query("truncate reporting.facts; insert into reporting.facts select g, 'yesterday', 'y' from generate_series(1, 1000) g");
      const made = makeProject({
        "nomaflow.yaml": `connectors:\n  ops-db: { url: "${ops.url}" }\n  reporting-db: { url: "${reporting.url}" }\n`,
        "jobs/copy.yaml": `id: copy\nsteps:\n  - name: facts\n    type: sql_copy\n    source: { connector: ops-db, table: facts }\n    target: { connector: reporting-db, schema: reporting, table: facts }\n    mode: overwrite\n    overwrite_method: ${method}\n`,
      });
      remove();
      remove = made.remove;
      const reader = new pg.Client({ connectionString: reporting.url });
      await reader.connect();
      const seen: string[] = [];
      const errors: unknown[] = [];
      let reading = true;
      const loop = (async () => {
        while (reading) {
          try {
            // One statement, one snapshot: the table and the view that reads it are seen together.
            const { rows } = await reader.query(
              "select count(*)::int as n, min(batch) as first, max(batch) as last, (select string_agg(batch, ',') from reporting.fact_batches) as batches from reporting.facts",
            );
            const row = rows[0] as { n: number; first: string; last: string; batches: string };
            seen.push(`${row.n}:${row.first}:${row.last}:${row.batches}`);
          } catch (error) {
            errors.push(error);
          }
        }
      })();
      const run = await runJobIn(made.root, "copy");
      await new Promise((resolve) => setTimeout(resolve, 100));
      reading = false;
      await loop;
      await reader.end();

      expect(run.result.status).toBe("succeeded");
      expect(errors).toEqual([]);
      const distinct = [...new Set(seen)];
      expect(distinct).toEqual(["1000:yesterday:yesterday:yesterday", "150000:today:today:today"]);
      expect(seen.length).toBeGreaterThan(10);
      expect(run.output("facts")).toMatchObject({ overwrite_method: method });
      if (method === "replace") {
        expect(run.output("facts")).toMatchObject({ rows_inserted: 149000, rows_updated: 1000, rows_unchanged: 0, rows_deleted: 0 });
        return;
      }
      const lockHeld = run.output("facts")!.lock_held_ms as number;
      console.log(`swap lock held ${lockHeld} ms while a reader looped; ${seen.length} reads`);
      expect(lockHeld).toBeLessThan(1000);
    },
  );
});
