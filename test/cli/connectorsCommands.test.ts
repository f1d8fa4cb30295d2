/** `nomaflow connectors list` and `connectors test` through the real binary. */
import { createServer, type AddressInfo, type Server } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDatabase, describeWithPostgres, PG_URL, type TestDatabase } from "../support/postgres.js";
import { makeProject, runCli } from "../support/tempProject.js";

describeWithPostgres("nomaflow connectors", () => {
  let db: TestDatabase;
  let root: string;
  let remove = () => {};
  // Accepts connections and never answers: a server that hangs.
  let silent: Server;
  beforeAll(async () => {
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    db = await createDatabase("connectors_cli");
    const url = new URL(db.url);
    url.password = "s3cret-pass";
    const missing = new URL(PG_URL!);
    missing.pathname = "/nomaflow_no_such_database";
    const made = makeProject({
      "nomaflow.yaml": `connectors:
  good: { url: "\${env:GOOD_URL}" }
  refused: { url: "postgres://postgres@127.0.0.1:1/x" }
  nohost: { url: "postgres://postgres@no-such-host.invalid/x" }
  nodb: { url: "${missing.toString()}" }
  unset: { url: "\${env:NOT_SET_URL}" }
  tls: { url: "${PG_URL}?sslmode=verify-full" }
  hangs: { url: "postgres://postgres@127.0.0.1:${silentPort}/x?connect_timeout=1" }
  legacy: { url: "\${env:LEGACY_URL}" }
`,
      ".env": `GOOD_URL=${db.url}\nLEGACY_URL=mysql://app:hunter2@db.example/shop\n`,
    });
    root = made.root;
    remove = made.remove;
  });
  afterAll(async () => {
    remove();
    silent?.close();
    await db?.drop();
  });

  it("list shows where each connector points, without passwords", async () => {
    const result = await runCli(["connectors", "list", "--json"], { cwd: root, env: { GOOD_URL: undefined } });
    expect(result.code).toBe(0);
    const entries = JSON.parse(result.stdout);
    expect(entries.map((entry: { name: string; kind: string }) => [entry.name, entry.kind])).toEqual([
      ["good", "postgres"],
      ["refused", "postgres"],
      ["nohost", "postgres"],
      ["nodb", "postgres"],
      ["unset", "?"],
      ["tls", "postgres"],
      ["hangs", "postgres"],
      ["legacy", "unsupported"],
    ]);
    expect(entries[4].target).toBe("url needs environment variable NOT_SET_URL, which is not set");
    expect(entries[7].target).toBe("mysql://app@db.example/shop");
  });

  it("test gives the version and latency, or one clear reason each, and exits 1 when one fails", async () => {
    const result = await runCli(["connectors", "test", "--json"], { cwd: root, env: { GOOD_URL: undefined } });
    expect(result.code).toBe(1);
    const byName = Object.fromEntries(JSON.parse(result.stdout).map((entry: { name: string }) => [entry.name, entry]));
    expect(byName.good).toMatchObject({ ok: true, error: null });
    expect(byName.good.version).toMatch(/^PostgreSQL \d+/);
    expect(byName.good.latency_ms).toBeGreaterThan(0);
    expect(byName.refused.error).toBe("connection refused by 127.0.0.1:1 (is the server running and listening there?)");
    expect(byName.nohost.error).toBe("host no-such-host.invalid not found");
    expect(byName.nodb.error).toBe("database nomaflow_no_such_database does not exist on 127.0.0.1:5432");
    expect(byName.unset.error).toBe("url needs environment variable NOT_SET_URL, which is not set");
    expect(byName.tls.error).toBe("TLS: The server does not support SSL connections");
    expect(byName.hangs.error).toMatch(/^timed out connecting to 127\.0\.0\.1:\d+$/);
    expect(byName.legacy.error).toBe("url must start with postgres://, postgresql:// or pglite:");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("test NAME checks one; an unknown name exits 2 with a suggestion", async () => {
    const one = await runCli(["connectors", "test", "good"], { cwd: root, env: { GOOD_URL: undefined } });
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^✓ good {2}PostgreSQL \d+\.\d+ .*round trip [\d.]+ ms\n$/);
    const unknown = await runCli(["connectors", "test", "goood"], { cwd: root });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no connector goood in nomaflow.yaml");
    expect(unknown.stderr).toContain("did you mean `good`?");
  });
});
