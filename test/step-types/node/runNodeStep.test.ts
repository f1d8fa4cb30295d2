/**
 * node steps: TypeScript and JavaScript callables under plugins/, compiled without a build step
 * and run in this process, against a real PostgreSQL for the connector calls.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogEvent } from "../../../src/run-logs/runEvents.js";
import { createDatabase, describeWithPostgres, sessionsLeft, type TestDatabase } from "../../support/postgres.js";
import { startReceiver } from "../../support/httpReceiver.js";
import { runJobIn } from "../../support/runProject.js";
import { makeProject } from "../../support/tempProject.js";

const removes: Array<() => void> = [];
afterAll(() => {
  for (const remove of removes) remove();
});

function project(config: string, steps: string, files: Record<string, string>): string {
  const made = makeProject({
    "nomaflow.yaml": config || "runs_dir: runs\n",
    "jobs/job.yaml": `id: job\nparams:\n  limit: { type: integer, default: 7 }\nsteps:\n${steps}`,
    ...files,
  });
  removes.push(made.remove);
  return made.root;
}

const step = (name: string, callable: string, extra = "") => `  - name: ${name}\n    type: node\n    callable: ${callable}\n${extra}`;
const logs = (events: { event: string }[], name: string) =>
  (events.filter((event) => event.event === "log" && (event as LogEvent).step === name) as LogEvent[]).map((event) => `${event.level}: ${event.message}`);

describe("node step without a database", () => {
  const plugin = `
import type { NodeStepContext } from "nomaflow";
import { double } from "./helpers/math.ts";

interface Args { n: number; label?: string }

export async function report(ctx: NodeStepContext, { n, label = "none" }: Args) {
  console.log("printed", { n });
  ctx.log.debug("debugging");
  ctx.log.info(\`n=\${n}\`);
  ctx.log.warning("careful");
  ctx.log.error("bad but not fatal");
  await ctx.notify("heads up");
  return { doubled: double(n), label, nested: { list: [1, { deep: true }], none: null }, job: ctx.jobId, run: ctx.runId, limit: ctx.params.limit };
}

export function plain() { return 42; }
export function nothing() {}
export function fails(): never { throw new TypeError("no such thing"); }
export async function slow(ctx: NodeStepContext) {
  await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
  return { stopped: ctx.signal.aborted };
}
export const notAFunction = 3;
`;
  const files = {
    "plugins/checks/report.ts": plugin,
    "plugins/checks/helpers/math.ts": "export const double = (value: number): number => value * 2;\n",
    "plugins/js/hello.mjs":
      "export default function hello() { return { hello: 'world' }; }\nexport const greet = (ctx, { who }) => ({ greeting: `hi ${who}` });\n",
  };

  it("runs a TypeScript function with its relative imports, logs at each level, notifies and returns nested data", async () => {
    const slack = await startReceiver((_request, response) => response.end("ok"));
    const config = `notifications:\n  channels:\n    oncall: { type: slack, url: "${slack.url}/hook" }\n  default: [oncall]\n`;
    const root = project(
      config,
      step("report", "checks/report.ts:report", '    op_kwargs: { n: 21, label: "${params.limit}" }\n') +
        step("after", "js/hello.mjs:greet", '    op_kwargs: { who: "${steps.report.output.doubled}" }\n'),
      files,
    );
    const run = await runJobIn(root, "job", { params: { limit: 7 } });
    expect(run.result.status).toBe("succeeded");
    expect(run.output("report")).toEqual({
      doubled: 42,
      label: 7,
      nested: { list: [1, { deep: true }], none: null },
      job: "job",
      run: run.result.runId,
      limit: 7,
    });
    expect(logs(run.events, "report")).toEqual(["info: printed { n: 21 }", "debug: debugging", "info: n=21", "warning: careful", "error: bad but not fatal"]);
    expect(run.events.filter((event) => event.event === "alert_sent")).toMatchObject([{ channel: "oncall", kind: "notify", step: "report" }]);
    expect(JSON.parse(slack.requests[0]!.body).text).toMatch(/^heads up — job, step report, run /);
    await slack.close();
    expect(run.output("after")).toEqual({ greeting: "hi 42" });
    // Compiled once into the project's cache, named by content.
    expect(readdirSync(join(root, ".nomaflow", "plugins")).filter((name) => name.endsWith(".mjs"))).toHaveLength(2);
  });

  it("wraps a value that is not an object, and treats nothing as {}", async () => {
    const run = await runJobIn(project("", step("plain", "checks/report.ts:plain") + step("nothing", "checks/report.ts:nothing"), files), "job");
    expect(run.output("plain")).toEqual({ value: 42 });
    expect(run.output("nothing")).toEqual({});
  });

  it("fails with what the function threw, its stack in the log, and retries it", async () => {
    const root = project("", "", files);
    writeFileSync(join(root, "jobs/job.yaml"), `id: job\nretry: { attempts: 2, base_seconds: 0 }\nsteps:\n${step("fails", "checks/report.ts:fails")}`);
    const run = await runJobIn(root, "job");
    expect(run.error("fails")).toBe("TypeError: no such thing");
    expect(run.events.filter((event) => event.event === "step_started")).toHaveLength(2);
    expect(logs(run.events, "fails")[0]).toMatch(/^error: TypeError: no such thing\n\s+at fails \(.*report\.ts:\d+:\d+\)/);
  });

  it("stops waiting at the timeout; the function sees its signal abort", async () => {
    const run = await runJobIn(project("", step("slow", "checks/report.ts:slow", "    timeout: 300ms\n"), files), "job");
    expect(run.error("slow")).toBe("timed out after 300 ms");
  });

  it("fails clearly, without retrying, for a missing export, a non-function and a missing package", async () => {
    const root = project("", "", {
      ...files,
      "plugins/broken/imports.ts": 'import { nothing } from "no-such-package-anywhere";\nexport const run = () => nothing;\n',
    });
    const cases: [string, RegExp][] = [
      ["checks/report.ts:absent", /^callable checks\/report\.ts:absent: plugins\/checks\/report\.ts does not export absent$/],
      ["checks/report.ts:notAFunction", /exports a number, not a function, as notAFunction$/],
      [
        "broken/imports.ts:run",
        /^callable broken\/imports\.ts:run: loading plugins\/broken\/imports\.ts failed: Cannot find package 'no-such-package-anywhere'/,
      ],
    ];
    for (const [callable, expected] of cases) {
      writeFileSync(join(root, "jobs/job.yaml"), `id: job\nretry: { attempts: 3, base_seconds: 0 }\nsteps:\n${step("s", callable)}`);
      // validate does not know about packages: the run finds it out.
      const project = await runJobIn(root, "job").catch((error: Error) => error);
      if (project instanceof Error) {
        expect(project.message).toMatch(/not valid/);
        continue;
      }
      expect(project.error("s")).toMatch(expected);
      expect(project.events.filter((event) => event.event === "step_started")).toHaveLength(1);
    }
  });

  it("does not recompile an unchanged plugin, and picks up a changed one", async () => {
    const root = project("", step("report", "js/hello.mjs:default"), files);
    expect((await runJobIn(root, "job")).output("report")).toEqual({ hello: "world" });
    const cache = join(root, ".nomaflow", "plugins");
    const first = readdirSync(cache).filter((name) => name.endsWith(".mjs"));
    writeFileSync(join(root, "plugins/js/hello.mjs"), "export default function hello() { return { hello: 'again' }; }\n");
    expect((await runJobIn(root, "job")).output("report")).toEqual({ hello: "again" });
    const second = readdirSync(cache).filter((name) => name.endsWith(".mjs"));
    expect(second).toHaveLength(1);
    expect(second).not.toEqual(first);
    expect(existsSync(join(cache, first[0]!))).toBe(false);
    // The compiled files removed while this process remembers them: compiled again.
    rmSync(join(root, ".nomaflow"), { recursive: true });
    expect((await runJobIn(root, "job")).output("report")).toEqual({ hello: "again" });
    expect(readdirSync(cache).filter((name) => name.endsWith(".mjs"))).toEqual(second);
  });
});

describeWithPostgres("node step with a database", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase("node_step");
    await db.query("create table items (id int primary key, name text, at date)");
    await db.query("insert into items values (1, 'one', '2026-01-02'), (2, 'two', null)");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("queries through Nomaflow's connector with parameters: scalar, fetch, fetchrow, execute", async () => {
    const plugin = `
import type { NodeStepContext } from "nomaflow";
export async function query(ctx: NodeStepContext) {
  const db = ctx.getConnector("db");
  const count = await db.scalar("select count(*) from items where id >= $1", 1);
  const rows = await db.fetch("select id, name from items where id = any($1) order by id", [1, 2]);
  const row = await db.fetchrow("select name from items where id = $1", 2);
  const none = await db.fetchrow("select name from items where id = $1", 99);
  const inserted = await db.execute("insert into items (id, name) values ($1, $2), ($3, $4)", 3, "three", 4, "four");
  let failure = "";
  try { await db.scalar("select * from no_such_table"); } catch (error) { failure = (error as Error).message; }
  return { count, rows, row, none, inserted, failure };
}
export async function slowQuery(ctx: NodeStepContext) {
  return { value: await ctx.getConnector("db").scalar("select pg_sleep(30)") };
}
`;
    const root = project(`connectors:\n  db: { url: "${db.url}" }\n`, step("query", "db.ts:query"), { "plugins/db.ts": plugin });
    const run = await runJobIn(root, "job");
    expect(run.output("query")).toEqual({
      count: 2,
      rows: [
        { id: 1, name: "one" },
        { id: 2, name: "two" },
      ],
      row: { name: "two" },
      none: null,
      inserted: 2,
      failure: 'connector db: relation "no_such_table" does not exist',
    });
    expect((await db.query("select count(*)::int as n from items")).rows[0].n).toBe(4);

    // A query running at the timeout is cancelled on the server, not left behind.
    writeFileSync(join(root, "jobs/job.yaml"), `id: job\nsteps:\n${step("slow", "db.ts:slowQuery", "    timeout: 300ms\n")}`);
    const slow = await runJobIn(root, "job");
    expect(slow.error("slow")).toBe("timed out after 300 ms");
    expect(await sessionsLeft(db, "nomaflow:job:slow")).toEqual([]);
  });
});
