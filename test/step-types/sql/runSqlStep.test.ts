/** The sql step against a real PostgreSQL: one transaction, rows affected, files, errors, cancellation. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDatabase, describeWithPostgres, sessionsLeft, type TestDatabase } from "../../support/postgres.js";
import { runJobIn } from "../../support/runProject.js";
import { makeProject } from "../../support/tempProject.js";

describeWithPostgres("sql step", () => {
  let db: TestDatabase;
  const removes: Array<() => void> = [];
  beforeAll(async () => {
    db = await createDatabase("sql_step");
    await db.query("create table t (id int primary key, v text)");
  });
  afterAll(async () => {
    for (const remove of removes) remove();
    await db?.drop();
  });

  function project(steps: string, files: Record<string, string> = {}): string {
    const made = makeProject({ "nomaflow.yaml": `connectors:\n  db: { url: "${db.url}" }\n`, "jobs/job.yaml": `id: job\nsteps:\n${steps}`, ...files });
    removes.push(made.remove);
    return made.root;
  }

  it("runs several statements in one transaction and reports rows affected", async () => {
    const run = await runJobIn(
      project(`  - name: load\n    type: sql\n    connector: db\n    sql: "insert into t values (1, 'a'), (2, 'b'); update t set v = 'c' where id = 2"\n`),
      "job",
    );
    expect(run.output("load")).toEqual({ rows_affected: 3 });
    expect((await db.query("select id, v from t order by id")).rows).toEqual([
      { id: 1, v: "a" },
      { id: 2, v: "c" },
    ]);
  });

  it("rolls everything back when a statement fails, and does not retry an SQL error", async () => {
    const made = makeProject({
      "nomaflow.yaml": `connectors:\n  db: { url: "${db.url}" }\n`,
      "jobs/job.yaml": `id: job\nretry: { attempts: 3, base_seconds: 0 }\nsteps:\n  - name: bad\n    type: sql\n    connector: db\n    sql: "insert into t values (10, 'x'); insert into t values (1, 'duplicate')"\n`,
    });
    removes.push(made.remove);
    const run = await runJobIn(made.root, "job");
    expect(run.error("bad")).toMatch(/^connector db: duplicate key value violates unique constraint "t_pkey"/);
    expect(run.events.filter((event) => event.event === "step_started")).toHaveLength(1);
    expect((await db.query("select count(*)::int as n from t where id = 10")).rows[0].n).toBe(0);
  });

  it("keeps the server's DETAIL, HINT and CONTEXT in the error, with secrets masked", async () => {
    await db.query("create table tokens (token text primary key); insert into tokens values ('tok-S3cret-77')");
    const root = project(`  - name: dup
    type: sql
    connector: db
    sql: "insert into tokens values ('\${env:API_TOKEN}')"
  - name: hinted
    type: sql
    connector: db
    sql: "select no_such_function(1)"
    run_if: always
  - name: raised
    type: sql
    connector: db
    sql: "do $$ begin raise exception 'stock too low' using detail = 'item 7 has 0', hint = 'restock first'; end $$"
    run_if: always
`);
    const run = await runJobIn(root, "job", {}, { API_TOKEN: "tok-S3cret-77" });
    expect(run.error("dup")).toBe('connector db: duplicate key value violates unique constraint "tokens_pkey"; detail: Key (token)=(***) already exists.');
    expect(run.error("hinted")).toBe(
      "connector db: function no_such_function(integer) does not exist; hint: No function matches the given name and argument types. You might need to add explicit type casts.",
    );
    expect(run.error("raised")).toBe(
      "connector db: stock too low; detail: item 7 has 0; hint: restock first; context: PL/pgSQL function inline_code_block line 1 at RAISE",
    );
    expect(JSON.stringify(run.events)).not.toContain("S3cret");
  });

  it("reads SQL from a file of the project", async () => {
    const root = project(`  - name: file\n    type: sql\n    connector: db\n    file: sql/clean.sql\n`, { "sql/clean.sql": "delete from t where id = 1;\n" });
    writeFileSync(join(root, "sql", "clean.sql"), "delete from t where id = 1;\n");
    expect((await runJobIn(root, "job")).output("file")).toEqual({ rows_affected: 1 });
  });

  it("cancels the statement on the server at the timeout", async () => {
    const run = await runJobIn(project(`  - name: slow\n    type: sql\n    connector: db\n    sql: "select pg_sleep(30)"\n    timeout: 300ms\n`), "job");
    expect(run.error("slow")).toBe("timed out after 300 ms");
    expect(await sessionsLeft(db, "nomaflow:job:slow")).toEqual([]);
  });
});
