/**
 * Step types from plugins: the example plugin (plugins/checks/row_count.ts) validated and run
 * against a real PostgreSQL, and the errors a plugin author can make.
 */
import { cpSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/project/loadProject.js";
import { checkProject } from "../../src/validate/checkProject.js";
import { createDatabase, describeWithPostgres, type TestDatabase } from "../support/postgres.js";
import { runJobIn } from "../support/runProject.js";
import { makeProject, REPO_ROOT } from "../support/tempProject.js";

const removes: Array<() => void> = [];
afterAll(() => {
  for (const remove of removes) remove();
});

function project(config: string, steps: string, files: Record<string, string> = {}): string {
  const made = makeProject({ "nomaflow.yaml": config, "jobs/job.yaml": `id: job\nsteps:\n${steps}`, ...files });
  removes.push(made.remove);
  cpSync(join(REPO_ROOT, "plugins", "checks"), join(made.root, "plugins", "checks"), { recursive: true });
  return made.root;
}

async function problems(root: string): Promise<string[]> {
  const { report } = await checkProject(loadProject({ projectDir: root, cwd: root, processEnv: {} }));
  return report.diagnostics.map(
    (diagnostic) => `${diagnostic.file}:${diagnostic.line}:${diagnostic.column} ${diagnostic.message}${diagnostic.hint ? ` (${diagnostic.hint})` : ""}`,
  );
}

const CONFIG = 'step_types: [checks/row_count.ts]\nconnectors:\n  db: { url: "postgres://localhost/x" }\n';
const rowCount = (fields: string) => `  - name: count\n    type: row_count\n${fields}`;

describe("plugin step types in validate", () => {
  it("accepts the example type's valid fields", async () => {
    expect(await problems(project(CONFIG, rowCount("    connector: db\n    table: public.customers\n    min: 1\n")))).toEqual([]);
  });

  it("checks its fields with its schema and its own rules, at the field's line", async () => {
    const steps =
      rowCount("    connector: dbx\n    table: 'bad table'\n    min: -1\n    colour: red\n") +
      rowCount("    connector: db\n    table: t\n").replace("name: count", "name: count2") +
      rowCount("    connector: db\n    table: t\n    min: 5\n    max: 2\n").replace("name: count", "name: count3");
    expect(await problems(project(CONFIG, steps))).toEqual([
      "jobs/job.yaml:5:16 connector dbx is not defined in nomaflow.yaml (did you mean `db`?)",
      'jobs/job.yaml:6:12 `table` must be text matching ^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?$, got "bad table"',
      "jobs/job.yaml:7:10 `min` must be at least 0, got -1",
      "jobs/job.yaml:8:5 unknown field `colour` (allowed fields: name, type, description, timeout, retry, run_if, rerun_on_resume, connector, table, min, max)",
      "jobs/job.yaml:9:5 a row_count step needs min, max or both",
      "jobs/job.yaml:17:10 min (5) is above max (2)",
    ]);
  });

  it("refuses a name that clashes with a built-in type or with another plugin", async () => {
    const clash =
      'import { defineStepType, Type } from "nomaflow";\nexport default defineStepType({ name: "sql", description: "x", fields: Type.Object({}), run: async () => ({}) });\n';
    const twin = 'export const again = { name: "row_count", description: "x", fields: { type: "object", properties: {} }, run: async () => ({}) };\n';
    const root = project("step_types: [checks/row_count.ts, clash.ts, twin.js]\n", '  - name: s\n    type: shell\n    command: "true"\n', {
      "plugins/clash.ts": clash,
      "plugins/twin.js": twin,
    });
    expect(await problems(root)).toEqual([
      "nomaflow.yaml:1:35 step type sql from plugins/clash.ts is already registered by built-in (rename one of the two types)",
      "nomaflow.yaml:1:45 step type row_count from plugins/twin.js is already registered by plugins/checks/row_count.ts (rename one of the two types)",
    ]);
  });

  it("explains a module that is missing, does not compile, exports nothing or a malformed type", async () => {
    const root = project(
      "step_types:\n  - none.ts\n  - broken.ts\n  - empty.mjs\n  - malformed.mjs\n  - throws.mjs\n",
      '  - name: s\n    type: shell\n    command: "true"\n',
      {
        "plugins/broken.ts": "export const = 3;\n",
        "plugins/empty.mjs": "export const nothing = 1;\n",
        "plugins/malformed.mjs":
          'export default { name: "Bad-Name", fields: {}, run() {} };\nexport const noSchema = { name: "no_schema", fields: { type: "string" }, run() {} };\n',
        "plugins/throws.mjs": 'throw new Error("top-level failure");\n',
      },
    );
    expect(await problems(root)).toEqual([
      "nomaflow.yaml:2:5 step type module plugins/none.ts does not exist",
      'nomaflow.yaml:3:5 plugins/broken.ts:1:14: Expected identifier but found "=" (  export const = 3;)',
      'nomaflow.yaml:4:5 plugins/empty.mjs exports no step type (export one made with defineStepType from "nomaflow")',
      'nomaflow.yaml:5:5 plugins/malformed.mjs: step type name "Bad-Name" must be lower case letters, digits and _, starting with a letter',
      'nomaflow.yaml:5:5 plugins/malformed.mjs: step type no_schema: fields must be an object schema (Type.Object({...}) or {type: "object", properties: {...}})',
      "nomaflow.yaml:6:5 loading plugins/throws.mjs failed: top-level failure",
    ]);
  });

  it("accepts a plain JSON Schema with optional fields", async () => {
    const plain =
      'export const hello = { name: "hello", description: "Says hello.", fields: { type: "object", properties: { who: { type: "string" }, loud: { type: "boolean" } }, required: ["who"] }, run: async (fields) => ({ said: `hello ${fields.who}` }) };\n';
    const root = project("step_types: [hello.mjs]\n", "  - name: hi\n    type: hello\n    who: you\n  - name: bad\n    type: hello\n    loud: true\n", {
      "plugins/hello.mjs": plain,
    });
    expect(await problems(root)).toEqual(["jobs/job.yaml:6:5 missing required field `who`"]);
  });
});

describeWithPostgres("the example row_count type run", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase("row_count");
    await db.query("create table customers (id int); insert into customers select generate_series(1, 25)");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("passes within bounds and fails outside them, without retrying", async () => {
    const config = `step_types: [checks/row_count.ts]\nconnectors:\n  db: { url: "${db.url}" }\n`;
    const steps =
      rowCount("    connector: db\n    table: public.customers\n    min: 10\n    max: 100\n") +
      rowCount("    connector: db\n    table: customers\n    min: 30\n    run_if: always\n").replace("name: count", "name: too-few");
    const root = project(config, steps);
    const run = await runJobIn(root, "job");
    expect(run.output("count")).toEqual({ rows: 25 });
    expect(run.error("too-few")).toBe("customers has 25 rows, fewer than 30");
    expect(run.events.filter((event) => event.event === "step_started" && event.step === "too-few")).toHaveLength(1);
  });

  it("writes values into a plugin field marked SqlText as the sql step does, quoted and checked", async () => {
    await db.query("create table notes (note text)");
    const plugin = `import { ConnectorName, defineStepType, SqlText, Type } from "nomaflow";
export const runSql = defineStepType({
  name: "run_sql",
  description: "Runs one statement.",
  fields: Type.Object({ connector: ConnectorName(), statement: SqlText() }, { additionalProperties: false }),
  async run(fields, context, signal) {
    return { rows: await context.connector(fields.connector).execute(fields.statement, [], { signal, applicationName: context.applicationName }) };
  },
});
`;
    const config = `step_types: [run_sql.ts]\nconnectors:\n  db: { url: "${db.url}" }\n`;
    const steps = "  - name: note\n    type: run_sql\n    connector: db\n    statement: \"insert into notes values (${params.note}), ('${params.note}')\"\n";
    const root = makeProject({
      "nomaflow.yaml": config,
      "jobs/job.yaml": `id: job\nparams:\n  note: { type: string }\nsteps:\n${steps}`,
      "plugins/run_sql.ts": plugin,
    });
    removes.push(root.remove);
    expect(await problems(root.root)).toEqual([
      "jobs/job.yaml:8:62 ${params.note} sits inside quotes in the SQL: its value is escaped into that string, but on its own ${params.note} is already written as a quoted literal (write ${params.note} without the quotes (text becomes 'O''Brien', a number a number, null NULL, a list or object JSON text); to build a text write 'text ' || ${params.note})",
    ]);
    const note = "x'); drop table customers; --";
    const run = await runJobIn(root.root, "job", { params: { note } });
    expect(run.output("note")).toEqual({ rows: 2 });
    expect((await db.query("select note from notes")).rows).toEqual([{ note }, { note }]);
    expect((await db.query("select count(*)::int as n from customers")).rows[0].n).toBe(25);
  });
});
