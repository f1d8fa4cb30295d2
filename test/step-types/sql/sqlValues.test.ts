/**
 * Values written into SQL text never change the statement: hostile values through params, step
 * outputs and the environment, into strings, numbers and lists, on real PostgreSQL and on PGlite,
 * with the tables' contents checked after.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, describeWithPostgres, type TestDatabase } from "../../support/postgres.js";
import { runJobIn } from "../../support/runProject.js";
import { freshPgliteFolder } from "../../support/pgliteTemplate.js";
import { makeProject } from "../../support/tempProject.js";

const HOSTILE: Record<string, string> = {
  injection: "x'); delete from rep.audit; --",
  "O'Brien": "O'Brien",
  quotes: `'' ' "" " \`'`,
  backslashes: "C:\\new\\table\\' \\\\ \\",
  "dollar quotes": "$$; delete from rep.audit; $$ $tag$ $1",
  semicolons: "; delete from rep.audit; select ';",
  comments: "/* open -- dash */ */ /* -- ",
  "E-string": "E'\\x41' U&'\\0041' B'1'",
  unicode: "zoë — 日本語 🎉 \u2028 \uFEFF",
  "very long": `${"ab'\\$".repeat(25_000)}; delete from rep.audit`,
  empty: "",
};

const PLUGINS = {
  // The value comes back as a step output, so `${steps.src.output.…}` carries it.
  "plugins/values.mjs": `export const echo = (ctx, kwargs) => kwargs;
export const check = async (ctx) => {
  const db = ctx.getConnector("db");
  const v = ctx.params.v;
  const rows = await db.fetch("select source, place, t from rep.vals order by source, place");
  const { list, obj, ...typed } = await db.fetchrow("select n, list, obj, nothing is null as nothing_null, flag from rep.typed");
  // Only booleans and numbers come back: an output holding the value would be masked (it is also an env value).
  return {
    rows: rows.map((row) => ({ source: row.source, place: row.place, same: row.t === (row.place === "inside" ? "<" + v + ">" : v) })),
    typed: { ...typed, list_same: JSON.stringify(list) === JSON.stringify([v, -1.5, null, true]), obj_same: JSON.stringify(obj) === JSON.stringify({ v }) },
    audit: Number(await db.scalar("select count(*) from rep.audit")),
  };
};
`,
};

const JOB = `id: job
params:
  v: { type: string }
  n: { type: number }
steps:
  - name: setup
    type: sql
    connector: db
    sql: |
      create schema if not exists rep;
      create table if not exists rep.audit (id int);
      create table if not exists rep.vals (source text, place text, t text);
      create table if not exists rep.typed (n numeric, list jsonb, obj jsonb, nothing text, flag boolean);
      delete from rep.vals; delete from rep.typed; delete from rep.audit;
      insert into rep.audit values (1), (2), (3);
  - name: src
    type: node
    callable: values.mjs:echo
    op_kwargs: { v: "\${params.v}", list: ["\${params.v}", -1.5, null, true], obj: { v: "\${params.v}" }, nothing: null, flag: false }
  - name: in-code
    type: sql
    connector: db
    sql: "insert into rep.vals values ('params', 'code', \${params.v}), ('env', 'code', \${env:HOSTILE}), ('steps', 'code', \${steps.src.output.v})"
  - name: in-quotes
    type: sql
    connector: db
    sql: |
      insert into rep.vals values ('params', 'quoted', '\${params.v}'), ('env', 'quoted', E'\${env:HOSTILE}');
      insert into rep.vals values ('steps', 'inside', '<\${steps.src.output.v}>')
  - name: typed
    type: sql
    connector: db
    sql: "insert into rep.typed select 10 -\${params.n}, \${steps.src.output.list}::jsonb, \${steps.src.output.obj}::jsonb, \${steps.src.output.nothing}, \${steps.src.output.flag}"
  - name: check
    type: node
    callable: values.mjs:check
`;

const EXPECTED_ROWS = [
  { source: "env", place: "code", same: true },
  { source: "env", place: "quoted", same: true },
  { source: "params", place: "code", same: true },
  { source: "params", place: "quoted", same: true },
  { source: "steps", place: "code", same: true },
  { source: "steps", place: "inside", same: true },
];

/** `prepare`: done once to the project before the first run. */
function hostileValuesOn(backend: string, connectorUrl: () => string, direct?: () => TestDatabase, prepare?: (root: string) => Promise<unknown>): void {
  let made: { root: string; remove: () => void } | undefined;
  afterAll(() => made?.remove());
  // One project for all values: the job empties its tables first.
  const project = async () => {
    if (!made) {
      made = makeProject({ "nomaflow.yaml": `connectors:\n  db: { url: "${connectorUrl()}" }\n`, "jobs/job.yaml": JOB, ...PLUGINS });
      await prepare?.(made.root);
    }
    return made.root;
  };

  it.each(Object.entries(HOSTILE))(`${backend}: %s is stored as it is and changes no statement`, async (_label, value) => {
    const run = await runJobIn(await project(), "job", { params: { v: value, n: -3 } }, { HOSTILE: value });
    expect(run.result.error).toBeNull();
    expect(run.output("check")).toEqual({
      rows: EXPECTED_ROWS,
      typed: { n: "13", nothing_null: true, flag: false, list_same: true, obj_same: true },
      audit: 3,
    });
    if (direct) {
      const stored = await direct().query("select source, place, t from rep.vals order by source, place");
      expect(stored.rows.map((row: { t: string }) => row.t)).toEqual([value, value, value, value, value, `<${value}>`]);
    }
  });

  it(`${backend}: a NUL character is refused, naming the reference, before the statement runs`, async () => {
    const run = await runJobIn(await project(), "job", { params: { v: "a\u0000b; delete from rep.audit", n: 1 } }, { HOSTILE: "plain" });
    expect(run.error("in-code")).toBe("sql: ${params.v}: the value holds a NUL character, which PostgreSQL text cannot hold");
    expect(run.output("check")).toBeUndefined();
    if (direct) expect((await direct().query("select count(*)::int as n from rep.audit")).rows[0].n).toBe(3);
  });
}

describeWithPostgres("values in SQL text on PostgreSQL", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createDatabase("sql_values");
  });
  afterAll(async () => {
    await db?.drop();
  });
  hostileValuesOn(
    "postgres",
    () => db.url,
    () => db,
  );

  it("sql_copy's query takes values and :ident names the same way", async () => {
    await db.query(`create schema if not exists "Src"; create table if not exists "Src"."we""ird tab" (id int, name text); truncate "Src"."we""ird tab"`);
    await db.query(`insert into "Src"."we""ird tab" values (1, $1), (2, 'kept'), (3, 'O''Brien')`, [HOSTILE.injection]);
    const made = makeProject({
      "nomaflow.yaml": `connectors:\n  db: { url: "${db.url}" }\n`,
      "jobs/job.yaml": `id: job
params:
  schema: { type: string, default: Src }
  table: { type: string }
  skip: { type: string }
steps:
  - name: copy
    type: sql_copy
    source: { connector: db, query: "select id, name from \${params.schema:ident}.\${params.table:ident} where name <> \${params.skip}" }
    target: { connector: db, table: copied }
    mode: overwrite
`,
    });
    try {
      const run = await runJobIn(made.root, "job", { params: { schema: "Src", table: 'we"ird tab', skip: HOSTILE.injection } });
      expect(run.result.error).toBeNull();
      expect((await db.query("select id, name from copied order by id")).rows).toEqual([
        { id: 2, name: "kept" },
        { id: 3, name: "O'Brien" },
      ]);
    } finally {
      made.remove();
    }
  });

  it("masks an env value also in the escaped form an SQL error quotes", async () => {
    const made = makeProject({
      "nomaflow.yaml": `connectors:\n  db: { url: "${db.url}" }\n`,
      "jobs/job.yaml": 'id: job\nsteps:\n  - name: bad\n    type: sql\n    connector: db\n    sql: "select 1 ${env:TOKEN}"\n',
    });
    try {
      const run = await runJobIn(made.root, "job", {}, { TOKEN: "it's\\s3cret" });
      expect(run.error("bad")).toBe(`connector db: syntax error at or near "E'***'"`);
    } finally {
      made.remove();
    }
  });

  it("the value of the report, inside quotes as an old job wrote it, deletes nothing and is stored as it is", async () => {
    const value = HOSTILE.injection!;
    const made = makeProject({
      "nomaflow.yaml": `connectors:\n  db: { url: "${db.url}" }\n`,
      "jobs/job.yaml": `id: job
params:
  name: { type: string }
steps:
  - name: setup
    type: sql
    connector: db
    sql: "create schema if not exists rep; create table if not exists rep.audit (id int); create table if not exists rep.names (name text); delete from rep.audit; delete from rep.names; insert into rep.audit values (1), (2)"
  - name: note
    type: sql
    connector: db
    sql: "insert into rep.names (name) values ('\${params.name}')"
`,
    });
    try {
      const run = await runJobIn(made.root, "job", { params: { name: value } });
      expect(run.result.error).toBeNull();
      expect((await db.query("select count(*)::int as n from rep.audit")).rows[0].n).toBe(2);
      expect((await db.query("select name from rep.names")).rows).toEqual([{ name: value }]);
    } finally {
      made.remove();
    }
  });
});

describe("values in SQL text on PGlite", () => {
  hostileValuesOn(
    "pglite",
    () => "pglite:data/db",
    undefined,
    (root) => freshPgliteFolder(join(root, "data", "db")),
  );
});
