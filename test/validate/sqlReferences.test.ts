/**
 * `validate` says where each `${…}` sits in SQL text (the sql step, sql_copy's query, plugin fields
 * marked as SQL): inside quotes is a warning (written safely, but not needed), where no value can be
 * written safely an error; `:ident` outside SQL text is an error.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Diagnostic } from "../../src/project/diagnostic.js";
import { loadProject } from "../../src/project/loadProject.js";
import { checkProject } from "../../src/validate/checkProject.js";
import { makeProject, MINIMAL_CONFIG } from "../support/tempProject.js";

const JOB = `id: job
params:
  name: { type: string, default: x }
  table: { type: string, default: t }
steps:
  - name: fine
    type: sql
    connector: ops-db
    sql: "insert into \${params.table:ident} values (\${params.name}, \${env:HOME:-h})"
  - name: quoted
    type: sql
    connector: ops-db
    sql: "insert into t values ('\${params.name}')"
  - name: dollar
    type: sql
    connector: ops-db
    sql: "do $$ begin raise notice '\${params.name}'; end $$"
  - name: copy
    type: sql_copy
    source: { connector: ops-db, query: "select 1 -- \${params.name}" }
    target: { connector: reporting-db, table: t }
    mode: append
  - name: ping
    type: http
    url: "https://example.com/\${params.table:ident}"
`;

const project = makeProject({ "nomaflow.yaml": MINIMAL_CONFIG, "jobs/job.yaml": JOB });
afterAll(() => project.remove());

let diagnostics: Diagnostic[];
beforeAll(async () => {
  diagnostics = (await checkProject(loadProject({ projectDir: project.root, cwd: project.root, processEnv: {} }))).report.diagnostics;
});

const at = (step: string) =>
  diagnostics.filter((diagnostic) => diagnostic.step === step).map(({ severity, line, column, message, hint }) => ({ severity, line, column, message, hint }));

it("finds nothing to say about values and names written in code", () => {
  expect(at("fine")).toEqual([]);
});

it("warns about a reference inside quotes, and says what to write instead", () => {
  expect(at("quoted")).toEqual([
    {
      severity: "warning",
      line: 13,
      column: 34,
      message:
        "${params.name} sits inside quotes in the SQL: its value is escaped into that string, but on its own ${params.name} is already written as a quoted literal",
      hint: "write ${params.name} without the quotes (text becomes 'O''Brien', a number a number, null NULL, a list or object JSON text); to build a text write 'text ' || ${params.name}",
    },
  ]);
});

it("refuses a reference in a dollar-quoted body and in a comment of sql_copy's query", () => {
  expect(at("dollar")).toMatchObject([
    { severity: "error", line: 17, message: "${params.name} sits in a dollar-quoted body ($$…$$), where no value can be written safely" },
  ]);
  expect(at("copy")).toMatchObject([{ severity: "error", line: 20, message: "${params.name} sits in an SQL comment" }]);
});

it("refuses :ident outside SQL text", () => {
  expect(at("ping")).toMatchObject([
    { severity: "error", line: 25, message: "${params.table:ident}: :ident quotes a name in SQL text, and this field is not SQL" },
  ]);
});
