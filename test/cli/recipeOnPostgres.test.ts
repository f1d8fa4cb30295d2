/**
 * The repository's example job, unchanged, against two real PostgreSQL databases: what a user gets
 * after the demo by setting OPS_DB_URL, REPORTING_DB_URL and SLACK_WEBHOOK_URL. The built CLI runs
 * it; the Slack webhook is a local HTTP server.
 */
import { cpSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startReceiver, type HttpReceiver } from "../support/httpReceiver.js";
import { createDatabase, describeWithPostgres, type TestDatabase } from "../support/postgres.js";
import { makeProject, REPO_ROOT, runCli } from "../support/tempProject.js";

describeWithPostgres("the recipe on PostgreSQL servers", () => {
  let ops: TestDatabase;
  let reporting: TestDatabase;
  let slack: HttpReceiver;
  let remove: () => void = () => {};
  beforeAll(async () => {
    [ops, reporting] = await Promise.all([createDatabase("recipe_ops"), createDatabase("recipe_reporting")]);
    await ops.query(`create table public.customers (id bigint primary key, name text not null, country text);
      insert into public.customers select g, 'customer ' || g, (array['FR','DE','US'])[1 + g % 3] from generate_series(1, 2000) g;
      create table public.orders (id bigint primary key, customer_id bigint not null references public.customers, amount numeric(12,2));
      insert into public.orders select g, 1 + g % 2000, (g % 500) / 10.0 from generate_series(1, 5000) g;`);
    await reporting.query(`create schema reporting;
      create table reporting.customers (id bigint primary key, name text not null, country text);
      insert into reporting.customers select g, 'customer ' || g, (array['FR','DE','US'])[1 + g % 3] from generate_series(1, 1900) g;
      create table reporting.orders (id bigint primary key, customer_id bigint not null, amount numeric(12,2));`);
    slack = await startReceiver((_request, response) => response.end("ok"));
  });
  afterAll(async () => {
    remove();
    await slack?.close();
    await Promise.all([ops?.drop(), reporting?.drop()]);
  });

  it("runs the guard, both copies and the Slack message, with nothing in jobs/ changed", async () => {
    const made = makeProject({});
    remove = made.remove;
    for (const entry of ["nomaflow.yaml", "jobs", "plugins"]) cpSync(join(REPO_ROOT, entry), join(made.root, entry), { recursive: true });
    const env = {
      OPS_DB_URL: ops.url,
      REPORTING_DB_URL: reporting.url,
      SLACK_WEBHOOK_URL: `${slack.url}/services/T000/B000/XXXX`,
      NOMAFLOW_RUNS_DIR: undefined,
    };
    const run = await runCli(["run", "reporting-nightly-sync"], { cwd: made.root, env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/sanity info: source=2000 · target=1900 · delta=5\.3%/);
    expect(run.stdout).toMatch(/✓ run succeeded/);
    // The connection strings are secrets: never shown.
    expect(run.stdout).not.toContain(ops.url);
    expect((await reporting.query("select count(*)::int as n from reporting.customers")).rows[0].n).toBe(2000);
    expect((await reporting.query("select count(*)::int as n, sum(amount)::text as total from reporting.orders")).rows[0]).toEqual(
      (await ops.query("select count(*)::int as n, sum(amount)::text as total from public.orders")).rows[0],
    );
    expect(slack.requests.map((request) => JSON.parse(request.body) as unknown)).toEqual([{ text: "✅ reporting-nightly-sync succeeded" }]);
  });
});
