/**
 * `state:` in nomaflow.yaml (the store several daemons share) and the job field `on_abandoned`:
 * their defaults, and what `validate` says of each mistake, at its line and column.
 */
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/project/loadProject.js";
import { checkProject } from "../../src/validate/checkProject.js";
import { makeProject } from "../support/tempProject.js";

const JOB = (id: string, extra = "") => `id: ${id}
${extra}steps:
  - { name: hello, type: shell, command: "echo hi" }
`;

const removers: (() => void)[] = [];
afterAll(() => removers.forEach((remove) => remove()));

/** `validate`'s lines for a project with this nomaflow.yaml (and env file), as `line:column severity: message (hint)`. */
async function check(config: string, files: Record<string, string> = {}) {
  const project = makeProject({ "nomaflow.yaml": config, ".env": "STATE_URL=postgres://etl@db.example/ops\n", "jobs/only.yaml": JOB("only"), ...files });
  removers.push(project.remove);
  const loaded = loadProject({ projectDir: project.root, cwd: project.root, processEnv: {} });
  const checked = await checkProject(loaded);
  const lines = checked.report.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity}: ${d.message}${d.hint ? ` (hint: ${d.hint})` : ""}`);
  return { config: loaded.config, jobs: checked.jobs, lines };
}

const CONNECTORS = `connectors:
  ops-db: { url: "postgres://etl@db.example/ops" }
  scratch: { url: "pglite:.nomaflow/scratch" }
  from-env: { url: "\${env:STATE_URL}" }
`;

describe("state:", () => {
  it("is undefined without state: (one daemon, local files), and takes the schema's defaults otherwise", async () => {
    expect((await check(CONNECTORS)).config.state).toBeUndefined();
    const { config, lines } = await check(`${CONNECTORS}state: { connector: ops-db }\n`);
    expect(lines).toEqual([]);
    expect(config.state).toEqual({ connector: "ops-db", schema: "nomaflow", heartbeatSeconds: 5, leaseSeconds: 20, keepDays: 90 });
    const written = await check(`${CONNECTORS}state: { connector: ops-db, schema: etl_state, heartbeat_seconds: 2, lease_seconds: 6, keep_days: 30 }\n`);
    expect(written.lines).toEqual([]);
    expect(written.config.state).toEqual({ connector: "ops-db", schema: "etl_state", heartbeatSeconds: 2, leaseSeconds: 6, keepDays: 30 });
  });

  it("names a connector that is not defined, with the closest name", async () => {
    expect((await check(`${CONNECTORS}state: { connector: ops_db }\n`)).lines).toEqual([
      "nomaflow.yaml:5:21 error: state.connector names connector ops_db, which is not defined (hint: did you mean `ops-db`?)",
    ]);
    expect((await check(`${CONNECTORS}state:\n  connector: warehouse\n`)).lines).toEqual([
      "nomaflow.yaml:6:14 error: state.connector names connector warehouse, which is not defined (hint: define it under connectors: with a postgres:// URL that every daemon reaches)",
    ]);
  });

  it("refuses a pglite: connector, written in nomaflow.yaml or coming from the env file", async () => {
    const pglite =
      "state.connector scratch must be a PostgreSQL server every daemon reaches; pglite: is one process's file (hint: name a connector with a postgres:// URL (steps may go on using the pglite one))";
    expect((await check(`${CONNECTORS}state: { connector: scratch }\n`)).lines).toEqual([`nomaflow.yaml:5:21 error: ${pglite}`]);
    expect((await check(`${CONNECTORS}state: { connector: from-env }\n`, { ".env": "STATE_URL=pglite:/var/lib/state\n" })).lines).toEqual([
      `nomaflow.yaml:5:21 error: ${pglite.replace("connector scratch", "connector from-env")}`,
    ]);
    expect((await check(`${CONNECTORS}state: { connector: from-env }\n`, { ".env": "STATE_URL=postgres://etl@db.example/ops\n" })).lines).toEqual([]);
  });

  it("wants a lease of at least three heartbeats, pointing at the field written", async () => {
    expect((await check(`${CONNECTORS}state: { connector: ops-db, heartbeat_seconds: 5, lease_seconds: 10 }\n`)).lines).toEqual([
      "nomaflow.yaml:5:66 error: state.lease_seconds is 10, shorter than 3 heartbeats (3 × heartbeat_seconds 5 = 15) (hint: set lease_seconds to 15 or more, or heartbeat_seconds to 3 or less, so that a daemon late by a heartbeat or two is not declared dead)",
    ]);
    // The default lease (20 s) with a heartbeat of 10 s: the heartbeat is what was written.
    expect((await check(`${CONNECTORS}state:\n  connector: ops-db\n  heartbeat_seconds: 10\n`)).lines).toEqual([
      "nomaflow.yaml:7:22 error: state.lease_seconds is 20, shorter than 3 heartbeats (3 × heartbeat_seconds 10 = 30) (hint: set lease_seconds to 30 or more, or heartbeat_seconds to 6 or less, so that a daemon late by a heartbeat or two is not declared dead)",
    ]);
  });

  it("bounds each field and the schema's name, and says no more once a field is wrong", async () => {
    const { lines } = await check(`${CONNECTORS}state:
  connector: ops-db
  schema: pg_nomaflow
  heartbeat_seconds: 0
  lease_seconds: 2.5
  keep_days: 0
  keep_hours: 3
`);
    expect(lines).toEqual([
      `nomaflow.yaml:7:11 error: \`state.schema\` must be a lower-case SQL name: letters, digits and '_', not starting with pg_, at most 63 characters, got "pg_nomaflow"`,
      "nomaflow.yaml:8:22 error: `state.heartbeat_seconds` must be at least 1, got 0",
      "nomaflow.yaml:9:18 error: `state.lease_seconds` must be a whole number, got 2.5",
      "nomaflow.yaml:9:18 error: `state.lease_seconds` must be at least 3, got 2.5",
      "nomaflow.yaml:10:14 error: `state.keep_days` must be at least 1, got 0",
      "nomaflow.yaml:11:3 error: unknown field `keep_hours` in `state` (hint: allowed fields: connector, schema, heartbeat_seconds, lease_seconds, keep_days)",
    ]);
    // "40s" is refused, and not replaced by the default 20, which would be too short for a heartbeat of 10.
    expect((await check(`${CONNECTORS}state: { connector: ops-db, heartbeat_seconds: 10, lease_seconds: 40s }\n`)).lines).toEqual([
      'nomaflow.yaml:5:67 error: `state.lease_seconds` must be a whole number, got "40s"',
    ]);
    expect((await check(`${CONNECTORS}state: { schema: Etl-State }\n`)).lines).toEqual([
      "nomaflow.yaml:5:8 error: missing required field `connector` in `state`",
      expect.stringMatching(/^nomaflow\.yaml:5:18 error: .*a lower-case SQL name/),
    ]);
  });
});

describe("on_abandoned", () => {
  it("is alert unless nomaflow.yaml's defaults or the job say rerun, the job winning", async () => {
    const { jobs, lines } = await check(`${CONNECTORS}defaults: { on_abandoned: rerun }\n`, {
      "jobs/inherits.yaml": JOB("inherits"),
      "jobs/alerts.yaml": JOB("alerts", "on_abandoned: alert\n"),
    });
    expect(lines).toEqual([]);
    expect([jobs.get("inherits")?.onAbandoned, jobs.get("alerts")?.onAbandoned]).toEqual(["rerun", "alert"]);
    expect((await check(CONNECTORS)).jobs.get("only")?.onAbandoned).toBe("alert");
  });

  it("takes alert or rerun only", async () => {
    const { lines } = await check(CONNECTORS, { "jobs/retries.yaml": JOB("retries", "on_abandoned: retry\n") });
    expect(lines).toEqual([expect.stringMatching(/^jobs\/retries\.yaml:2:15 error: .*alert.*rerun/)]);
  });
});
