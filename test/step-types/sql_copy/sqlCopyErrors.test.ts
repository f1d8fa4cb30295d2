/**
 * sql_copy's errors on real PostgreSQL: what no retry can fix fails at once (also in a sql step:
 * one classification), a query may end in `;` and comments, an upsert's NOT NULL error names the
 * target, a created target is logged only once committed, and format: binary names its misfits.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { FinishedRun } from "../../support/runProject.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../../support/postgres.js";
import { runJobIn } from "../../support/runProject.js";
import { makeProject } from "../../support/tempProject.js";

describeWithPostgres("sql_copy errors", () => {
  const failed = trackFailures();
  let source: TestDatabase;
  let target: TestDatabase;
  const cleanups: Array<() => unknown> = [];

  beforeAll(async () => {
    source = await createDatabase("errors_source");
    target = await createDatabase("errors_target");
    await source.query(`
      create type public.mood as enum ('sad', 'happy');
      create table public.codes (id int primary key, code text, mood public.mood);
      insert into public.codes values (1, 'abcdef', 'sad'), (2, null, 'happy');
      create domain public.code as text;
      create table public.coded (id int primary key, code public.code);
      insert into public.coded values (1, 'toolong');
      create type public.span as range (subtype = int4);
      create table public.spans (id int primary key, s public.span);
      insert into public.spans values (1, '[1,3)');
      create extension citext;
      create table public.emails (id int primary key, email citext);
      insert into public.emails values (1, 'Ann@Example.org');
    `);
    await target.query(`
      create table public.short (id int primary key, code varchar(3));
      create table public.dated (id int, d date);
      create table public.named (id int primary key, code text not null);
      insert into public.named values (1, 'kept');
      create domain public.code as text check (length(value) < 3);
    `);
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await source?.drop(failed());
    await target?.drop(failed());
  });

  function run(step: string): Promise<FinishedRun> {
    const made = makeProject({
      "nomaflow.yaml": `connectors:\n  src: { url: "${source.url}" }\n  dst: { url: "${target.url}" }\n`,
      "jobs/job.yaml": `id: job\nretry: { attempts: 3, base_seconds: 0 }\nsteps:\n  - name: step\n${step}`,
    });
    cleanups.push(made.remove);
    return runJobIn(made.root, "job");
  }
  const copy = (from: string, to: string, mode: string, extra = "") =>
    `    type: sql_copy\n    source: { connector: src, ${from} }\n    target: { connector: dst, table: ${to} }\n    mode: ${mode}\n${extra}`;
  const tries = (finished: FinishedRun) => finished.events.filter((event) => event.event === "step_started").length;

  it.each([
    ["22001 value too long", copy(`query: "select id, code from public.codes"`, "short", "append"), /value too long for type character varying\(3\)/],
    ["22008 date out of range", copy(`query: "select 1 as id, '2022-02-30'::text as d"`, "dated", "append"), /date\/time field value out of range/],
    [
      "a type the target lacks and that cannot be made from the source's definition (a range)",
      copy("table: spans", "spans_created", "overwrite"),
      /^cannot create public\.spans_created: type public\.span is not an enum, domain or composite type, so it cannot be copied from the source's definition; create it on the target$/,
    ],
    [
      "a type from an extension the target lacks",
      copy("table: emails", "emails_created", "append"),
      /^cannot create public\.emails_created: type public\.citext comes from extension citext, which the target lacks \(CREATE EXTENSION citext\)$/,
    ],
    ["42601 syntax error", copy(`query: "selec 1 as id"`, "dated", "append"), /syntax error at or near/],
    ["22012 in a sql step", `    type: sql\n    connector: dst\n    sql: "select 1 / 0"\n`, /division by zero/],
  ])("%s fails at once, without retries", async (_name, step, message) => {
    const finished = await run(step);
    expect(finished.result.status).toBe("failed");
    expect(finished.error("step")).toMatch(message);
    expect(tries(finished)).toBe(1);
  });

  it("accepts a query ending in ; with spaces and comments", async () => {
    await target.query("truncate public.dated");
    const finished = await run(copy(`query: "select 1 as id, date '2022-09-10' as d; -- one row\\n /* done */ ;\\n"`, "dated", "append"));
    expect(finished.result.status, finished.error("step")).toBe("succeeded");
    expect((await target.query("select id, d::text from public.dated")).rows).toEqual([{ id: 1, d: "2022-09-10" }]);
    const commented = await run(copy(`query: "select 2 as id, null::date as d -- last line is a comment"`, "dated", "append"));
    expect(commented.result.status, commented.error("step")).toBe("succeeded");
  });

  it("an upsert's NOT NULL error names the target, not the internal staging table", async () => {
    const finished = await run(copy(`query: "select id, code from public.codes"`, "named", "upsert"));
    expect(finished.error("step")).toMatch(/null value in column "code" of relation "named" violates not-null constraint/);
    expect(finished.error("step")).not.toMatch(/nomaflow_upsert/);
    expect(tries(finished)).toBe(1);
    expect((await target.query("select id, code from public.named")).rows).toEqual([{ id: 1, code: "kept" }]);
  });

  it("logs a created target only when it was committed", async () => {
    // The target's domain is stricter than the source's: the table is created, then the copy fails.
    const finished = await run(copy("table: coded", "coded", "overwrite"));
    expect(finished.error("step")).toMatch(/violates check constraint/);
    const logs = finished.events.filter((event) => event.event === "log").map((event) => (event as { message: string }).message);
    expect(logs.filter((line) => /created/.test(line))).toEqual([]);
    expect((await target.query("select to_regclass('public.coded') as found")).rows).toEqual([{ found: null }]);
  });

  it("format: binary refused names each column that does not fit", async () => {
    await target.query("create table if not exists public.codes_binary (id bigint, code text, mood text)");
    const finished = await run(copy("table: codes", "codes_binary", "append", "    format: binary\n"));
    expect(finished.error("step")).toBe(
      "format: binary needs every column to have the same built-in type in source and target, and id (integer in the source, bigint in the target), mood (mood in the source, text in the target) do not; use format: auto or text",
    );
  });
});
