/**
 * `nomaflow cluster` through the built binary, on a real server: the daemons are real cluster fire
 * stores registered in the store (their own loops held still), then aged in SQL as a silent host
 * would be, so that every lease state is on the list at once.
 */
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Clock } from "../../src/daemon/clock.js";
import { ClusterFireStore } from "../../src/daemon/cluster/clusterFireStore.js";
import { definitionsHash } from "../../src/daemon/cluster/projectRevision.js";
import { DaemonLog } from "../../src/daemon/daemonLog.js";
import { loadProject } from "../../src/project/loadProject.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../support/postgres.js";
import { applyStateMigrations } from "../support/stateSchema.js";
import { makeProject, runCli } from "../support/tempProject.js";

const HEARTBEAT_MS = 5_000;
const LEASE_MS = 60_000;
const JOB = `id: refresh\nschedule: { cron: "0 2 * * *", timezone: UTC }\nsteps:\n  - { name: work, type: shell, command: "true" }\n`;

/** The store's loop never wakes by itself: each daemon renews only when the test says so. */
const stillClock: Clock = {
  now: () => Date.now(),
  sleep: (_ms, signal) => new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true }))),
};

interface TestDaemon {
  store: ClusterFireStore;
  pool: pg.Pool;
  advance(ms: number): void;
}

interface DaemonJson {
  id: string;
  host: string;
  pid: number;
  lease: string;
  definition_mismatch: boolean;
  [field: string]: unknown;
}

describeWithPostgres("nomaflow cluster", () => {
  const failed = trackFailures();
  let db: TestDatabase;
  let root: string;
  let localHash: string;
  const removers: Array<() => void> = [];
  const daemons: TestDaemon[] = [];
  const ids: Record<string, string> = {};

  async function openDaemon(host: string, pid: number, definitions: string, maxRuns?: number): Promise<TestDaemon> {
    let elapsed = 0;
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pool.on("error", () => {});
    const store = new ClusterFireStore({
      pool,
      schema: '"nomaflow"',
      identity: { host, pid, version: "0.1.0", projectRevision: `rev-${host}`, definitionsHash: definitions, maxRuns },
      heartbeatMs: HEARTBEAT_MS,
      leaseMs: LEASE_MS,
      keepDays: 90,
      clock: stillClock,
      log: new DaemonLog({ format: "json", out: () => {}, err: () => {}, syslogPrefix: false }),
      onLeaseLost: () => {},
      elapsed: () => elapsed,
    });
    const daemon = { store, pool, advance: (ms: number) => void (elapsed += ms) };
    daemons.push(daemon);
    await store.open([]);
    ids[host] = store.daemonId;
    return daemon;
  }

  /** The daemon's host went silent `seconds` ago: its last heartbeat then, its lease run out since. */
  const silence = (host: string, seconds: number) =>
    db.query(
      `update nomaflow.daemons set heartbeat_at = clock_timestamp() - $2 * interval '1 second',
              lease_until = clock_timestamp() - ($2 - 20) * interval '1 second' where id = $1`,
      [ids[host], seconds],
    );

  beforeAll(async () => {
    db = await createDatabase("cluster_cli");
    await applyStateMigrations(db.url);
    const made = makeProject({
      "nomaflow.yaml": `connectors:\n  ops-db: { url: "\${env:OPS_DB_URL}" }\nstate: { connector: ops-db }\n`,
      "jobs/refresh.yaml": JOB,
      // A host clock an hour ahead, for the CLI: leases and ages must not move with it.
      "skewClock.mjs": `const Real = Date; const skew = 3_600_000;
        globalThis.Date = class extends Real { constructor(...args) { args.length === 0 ? super(Real.now() + skew) : super(...args); } static now() { return Real.now() + skew; } };\n`,
    });
    root = made.root;
    removers.push(made.remove);
    localHash = definitionsHash(loadProject({ projectDir: root }));

    // Declared dead by alpha: silent past its lease, swept at alpha's next renewal.
    await openDaemon("epsilon", 105, "0000000000000000");
    const alpha = await openDaemon("alpha", 101, localHash, 4);
    await silence("epsilon", 40);
    alpha.advance(HEARTBEAT_MS);
    await alpha.store.maintain();
    // Stopped cleanly: one today, one two days ago (listed with --all only).
    await (await openDaemon("zeta", 106, localHash)).store.close();
    await (await openDaemon("eta", 107, localHash)).store.close();
    await db.query(
      `update nomaflow.daemons set started_at = clock_timestamp() - interval '3 days', heartbeat_at = clock_timestamp() - interval '2 days',
              lease_until = clock_timestamp() - interval '2 days', stopped_at = clock_timestamp() - interval '2 days' where id = $1`,
      [ids.eta],
    );
    await openDaemon("beta", 102, localHash);
    await openDaemon("gamma", 103, "ffffffffffffffff");
    // Expired, and nobody has swept it yet: the others do not renew again in this test.
    await openDaemon("delta", 104, localHash);
    await silence("delta", 30);
  });
  afterAll(async () => {
    for (const daemon of daemons) await daemon.pool.end().catch(() => undefined);
    for (const remove of removers) remove();
    await db?.drop(failed());
  });

  const env = () => ({ OPS_DB_URL: db.url, NODE_OPTIONS: `--import=${join(root, "skewClock.mjs")}` });

  it("lists alive, expired, dead and stopped daemons by the store's clock, and marks the one with other job definitions", async () => {
    const result = await runCli(["cluster", "-C", root], { env: env() });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(/^ {3}HOST +PID +VERSION +REVISION +STARTED +HEARTBEAT +RUNS +MAX RUNS +LEASE$/);
    // Alive first (the newest start first), then expired, dead, stopped.
    const row = (mark: string, host: string, pid: number, ago: string, runs: string, maxRuns: string, lease: string) =>
      new RegExp(
        `^${mark} +${host} +${pid} +0\\.1\\.0 +rev-${host} +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[+-]\\d\\d:\\d\\d +${ago} +${runs} +${maxRuns} +${lease}$`,
      );
    const recent = "[0-9] s ago";
    expect(lines[1]).toMatch(row("!", "gamma", 103, recent, "0", "—", "alive"));
    expect(lines[2]).toMatch(row(" ", "beta", 102, recent, "0", "—", "alive"));
    expect(lines[3]).toMatch(row(" ", "alpha", 101, recent, "0", "4", "alive"));
    expect(lines[4]).toMatch(row(" ", "delta", 104, "3\\d s ago", "0", "—", "expired \\(not yet swept\\)"));
    expect(lines[5]).toMatch(row(" ", "epsilon", 105, "4\\d s ago", "—", "—", "dead \\(declared by alpha:101 at \\S+\\)"));
    expect(lines[6]).toMatch(row(" ", "zeta", 106, recent, "0", "—", "stopped"));
    expect(lines.slice(7)).toEqual([
      "! other job definitions: gamma:103 (ffffffffffffffff)",
      `  2 of 3 alive daemons run ${localHash}; this copy of the project has the same`,
      "  hint: a fire runs the job as the host that claims it has it: deploy the same nomaflow.yaml and jobs/ to every host, then reload each daemon (systemctl reload, or kill -HUP)",
      "(1 daemon stopped or dead more than 24 h ago not shown: --all lists them)",
      "",
    ]);
  });

  it("prints each daemon as JSON with snake_case fields, ISO times and definition_mismatch; --all adds the old ones", async () => {
    const result = await runCli(["cluster", "--json", "--all"], { cwd: root, env: env() });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const daemons = JSON.parse(result.stdout) as DaemonJson[];
    expect(daemons.map((daemon) => [daemon.host, daemon.lease, daemon.definition_mismatch])).toEqual([
      ["gamma", "alive", true],
      ["beta", "alive", false],
      ["alpha", "alive", false],
      ["delta", "expired", false],
      ["epsilon", "dead", false],
      ["zeta", "stopped", false],
      ["eta", "stopped", false],
    ]);
    const byHost = Object.fromEntries(daemons.map((daemon) => [daemon.host, daemon]));
    const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(byHost.alpha).toEqual({
      id: ids.alpha,
      host: "alpha",
      pid: 101,
      version: "0.1.0",
      project_revision: "rev-alpha",
      definitions_hash: localHash,
      definition_mismatch: false,
      lease: "alive",
      started_at: iso,
      heartbeat_at: iso,
      heartbeat_age_ms: expect.any(Number),
      lease_until: iso,
      runs_going: 0,
      max_runs: 4,
      stopped_at: null,
      dead_at: null,
      declared_dead_by: null,
    });
    // Ages by the store's clock, though this CLI's clock was an hour ahead.
    expect(byHost.alpha!.heartbeat_age_ms).toBeLessThan(20_000);
    expect(byHost.delta!.heartbeat_age_ms).toBeGreaterThanOrEqual(30_000);
    expect(byHost.delta!.heartbeat_age_ms).toBeLessThan(50_000);
    expect(byHost.epsilon).toMatchObject({ lease: "dead", dead_at: iso, declared_dead_by: { id: ids.alpha, host: "alpha", pid: 101 } });
    expect(byHost.zeta).toMatchObject({ lease: "stopped", stopped_at: iso, dead_at: null });
    expect(Date.parse(byHost.eta!.stopped_at as string)).toBeLessThan(Date.now() - 47 * 3_600_000);
  });

  it("flags every daemon when this copy of the project differs from all of them", async () => {
    const other = makeProject({
      "nomaflow.yaml": `connectors:\n  ops-db: { url: "${db.url}" }\nstate: { connector: ops-db }\n`,
      "jobs/refresh.yaml": JOB.replace('"true"', '"echo changed"'),
    });
    removers.push(other.remove);
    const otherHash = definitionsHash(loadProject({ projectDir: other.root }));
    const result = await runCli(["cluster", "-C", other.root]);
    expect(result.code).toBe(0);
    const marked = result.stdout.split("\n").filter((line) => line.startsWith("!"));
    expect(marked.map((line) => line.split(/ +/)[1])).toEqual(["gamma", "beta", "alpha", "delta", "other"]);
    expect(marked.at(-1)).toBe(
      `! other job definitions: gamma:103 (ffffffffffffffff), beta:102 (${localHash}), alpha:101 (${localHash}), delta:104 (${localHash})`,
    );
    expect(result.stdout).toContain(`  2 of 3 alive daemons run ${localHash}; this copy of the project has ${otherHash}, revision files:${otherHash}\n`);
  });

  it("refuses a project without state: as a usage error, exit 2", async () => {
    const without = makeProject({ "nomaflow.yaml": `connectors:\n  ops-db: { url: "${db.url}" }\n`, "jobs/refresh.yaml": JOB });
    removers.push(without.remove);
    const result = await runCli(["cluster"], { cwd: without.root });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "nomaflow: error: nomaflow cluster needs state: in nomaflow.yaml: without it, each daemon keeps its state in local files and has no cluster\n" +
        "  hint: add state: { connector: NAME } naming a PostgreSQL connector that every daemon reaches; a lone daemon reports on itself with nomaflow daemon --http (/healthz, /metrics)\n",
    );
  });

  it("says a store not set up or older needs nomaflow state migrate (exit 2), and names a server it cannot reach (exit 1)", async () => {
    const empty = makeProject({ "nomaflow.yaml": `connectors:\n  ops-db: { url: "${db.url}" }\nstate: { connector: ops-db, schema: nobody_here }\n` });
    removers.push(empty.remove);
    const notReady = await runCli(["cluster", "-C", empty.root]);
    expect(notReady.code).toBe(2);
    expect(notReady.stderr).toBe(
      "nomaflow: error: the state store (schema nobody_here on ops-db) is not set up yet: run nomaflow state migrate\n" +
        "  hint: a daemon sets the store up when it starts; if daemons are running, they use another store than this copy of the project (compare state.connector's URL and state.schema on their hosts)\n",
    );
    await applyStateMigrations(db.url, "at_one", 1);
    const older = makeProject({ "nomaflow.yaml": `connectors:\n  ops-db: { url: "${db.url}" }\nstate: { connector: ops-db, schema: at_one }\n` });
    removers.push(older.remove);
    const olderResult = await runCli(["cluster", "-C", older.root]);
    expect(olderResult.code).toBe(2);
    expect(olderResult.stderr).toBe(
      "nomaflow: error: the state store (schema at_one on ops-db) is at version 1, this nomaflow needs version 2: run nomaflow state migrate\n" +
        "  hint: a daemon of this version upgrades the store when it starts; the daemons may run an older nomaflow than this host\n",
    );
    const unreachable = await runCli(["cluster", "-C", root], { env: { OPS_DB_URL: "postgres://etl:s3cret@127.0.0.1:1/ops" } });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("nomaflow: error: connector ops-db: connection refused by 127.0.0.1:1");
    expect(unreachable.stderr).not.toContain("s3cret");
  });
});
