/** `nomaflow state migrate` and `state status` through the real binary, on a real server. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { VERSION } from "../../src/identity/version.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../support/postgres.js";
import { makeProject, runCli } from "../support/tempProject.js";

describeWithPostgres("nomaflow state", () => {
  const failed = trackFailures();
  let db: TestDatabase;
  let root: string;
  let remove = () => {};
  beforeAll(async () => {
    db = await createDatabase("state_cli");
    const made = makeProject({
      "nomaflow.yaml": `connectors:\n  ops-db: { url: "\${env:OPS_DB_URL}" }\nstate: { connector: ops-db }\n`,
      "jobs/.keep": "",
    });
    root = made.root;
    remove = made.remove;
  });
  afterAll(async () => {
    remove();
    await db?.drop(failed());
  });

  const env = () => ({ OPS_DB_URL: db.url });
  const server = () => `127.0.0.1:5432/${db.name}`;

  it("status says an empty store is not set up yet, and exits 1", async () => {
    const status = await runCli(["state", "status", "-C", root], { env: env() });
    expect(status.stderr).toBe("");
    expect(status.code).toBe(1);
    expect(status.stdout).toBe(
      [
        `state store: schema nomaflow on ops-db (${server()})`,
        "version:     0; this nomaflow knows up to 2",
        "the state store (schema nomaflow on ops-db) is not set up yet: run nomaflow state migrate",
        "",
      ].join("\n"),
    );
  });

  it("migrate creates the tables, then finds nothing left to do", async () => {
    const first = await runCli(["state", "migrate", "--json"], { cwd: root, env: env() });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      schema: "nomaflow",
      connector: "ops-db",
      server: server(),
      from: 0,
      to: 2,
      applied: [
        { version: 1, name: "daemons, fires and job locks" },
        { version: 2, name: "run history" },
      ],
    });
    const again = await runCli(["state", "migrate"], { cwd: root, env: env() });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe("state store: schema nomaflow on ops-db — already at version 2\n");
    const status = await runCli(["state", "status", "--json"], { cwd: root, env: env() });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({
      schema: "nomaflow",
      connector: "ops-db",
      server: server(),
      version: 2,
      written_by: VERSION,
      known: 2,
      ready: true,
      problem: null,
    });
  });

  it("prints what it applied in text", async () => {
    const other = makeProject({ "nomaflow.yaml": `connectors:\n  ops-db: { url: "${db.url}" }\nstate: { connector: ops-db, schema: nomaflow_text }\n` });
    try {
      const result = await runCli(["state", "migrate", "-C", other.root]);
      expect(result.stdout).toBe(
        "state store: schema nomaflow_text on ops-db — migrated from version 0 to 2 (applied 1 daemons, fires and job locks; 2 run history)\n",
      );
    } finally {
      other.remove();
    }
  });

  it("refuses a store a newer nomaflow wrote with exit 2, naming the version to install (a daemon does not start)", async () => {
    await db.query("insert into nomaflow.migrations (version, name, nomaflow_version) values (3, 'from the future', '9.4.0')");
    try {
      for (const args of [["state", "migrate"], ["state", "status"], ["daemon"]]) {
        const result = await runCli(args, { cwd: root, env: env(), killAfterMs: 20_000 });
        expect(result.code).toBe(2);
        expect(result.stdout).toBe("");
        expect(result.stderr).toBe(
          `nomaflow: error: the state store (schema nomaflow on ops-db) is at version 3, written by nomaflow 9.4.0; this nomaflow ${VERSION} knows up to version 2\n  hint: upgrade nomaflow on this host to 9.4.0 or later\n`,
        );
      }
    } finally {
      await db.query("delete from nomaflow.migrations where version = 3");
    }
  });

  it("names the connector and host:port it cannot reach, without the password, and exits 1", async () => {
    const result = await runCli(["state", "migrate"], { cwd: root, env: { OPS_DB_URL: "postgres://etl:s3cret-pw@127.0.0.1:1/ops" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "nomaflow: error: connector ops-db: connection refused by 127.0.0.1:1 (is the server running and listening there?)\n" +
        "  hint: ops-db holds the state store (state.connector in nomaflow.yaml): every daemon and command of this project must reach it\n",
    );
  });

  it("refuses a project without state:, or with a wrong one, at its line (exit 2)", async () => {
    const without = makeProject({ "nomaflow.yaml": `connectors:\n  ops-db: { url: "${db.url}" }\n` });
    const pglite = makeProject({ "nomaflow.yaml": `connectors:\n  local: { url: "pglite:.nomaflow/ops" }\nstate:\n  connector: local\n` });
    try {
      const none = await runCli(["state", "migrate"], { cwd: without.root });
      expect(none.code).toBe(2);
      expect(none.stderr).toBe(
        "nomaflow: error: nomaflow.yaml has no state: section, so there is no state store\n" +
          "  hint: add state: { connector: NAME } naming a connector with a postgres:// URL that every daemon reaches\n",
      );
      const embedded = await runCli(["state", "status"], { cwd: pglite.root });
      expect(embedded.code).toBe(2);
      expect(embedded.stderr).toBe(
        "nomaflow: error: nomaflow.yaml:4:14: state.connector local must be a PostgreSQL server every daemon reaches; pglite: is one process's file\n" +
          "  hint: name a connector with a postgres:// URL (steps may go on using the pglite one)\n",
      );
    } finally {
      without.remove();
      pglite.remove();
    }
  });
});
