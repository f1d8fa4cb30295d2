/** A job on embedded PostgreSQL through the real, bundled binary: no server needed. */
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freshPgliteFolder } from "../support/pgliteTemplate.js";
import { makeProject, runCli } from "../support/tempProject.js";
import type { RunEvent } from "../../src/run-logs/runEvents.js";

const project = makeProject({
  "nomaflow.yaml": 'connectors:\n  ops: { url: "pglite:data/ops" }\n  reporting: { url: "pglite:data/reporting" }\n',
  "jobs/embedded.yaml": `id: embedded
steps:
  - name: seed
    type: sql
    connector: ops
    sql: "create table if not exists customers (id int primary key, name text); insert into customers select g, 'c' || g from generate_series(1, 5000) g on conflict do nothing"
  - name: copy
    type: sql_copy
    source: { connector: ops, table: customers }
    target: { connector: reporting, table: customers }
    mode: overwrite
`,
});
beforeAll(async () => {
  for (const name of ["ops", "reporting"]) await freshPgliteFolder(join(project.root, "data", name));
});
afterAll(() => project.remove());

it("seeds one PGlite folder and copies into another, twice", async () => {
  for (const round of [1, 2]) {
    const result = await runCli(["run", "embedded", "--json"], { cwd: project.root });
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as RunEvent);
    expect(events.find((event) => event.event === "step_succeeded" && event.step === "copy")).toMatchObject({
      output: { rows: 5000, created_target: round === 1 },
    });
  }
});
