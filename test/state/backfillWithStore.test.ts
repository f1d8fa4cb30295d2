/**
 * `nomaflow backfill` with a state store, on a real server: its runs recorded there, fire times
 * that succeeded on any host skipped (read from the store when this host has no log of them), and
 * `concurrency: forbid` held through the job's row in `job_locks`: the backfill waits while a
 * daemon's run holds it, holds it while its own run goes (a real cluster store is refused it), takes
 * over the lock of a backfill killed on this host, and frees it after.
 */
import { spawn } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Clock } from "../../src/daemon/clock.js";
import { ClusterFireStore } from "../../src/daemon/cluster/clusterFireStore.js";
import { DaemonLog } from "../../src/daemon/daemonLog.js";
import { exitedPid } from "../run-logs/sampleRun.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../support/postgres.js";
import { eventually } from "../support/processState.js";
import { applyStateMigrations } from "../support/stateSchema.js";
import { BIN, makeProject, runCli } from "../support/tempProject.js";

/** The store's loop never wakes by itself. */
const stillClock: Clock = {
  now: () => Date.now(),
  sleep: (_ms, signal) => new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true }))),
};

describeWithPostgres("nomaflow backfill with a state store", () => {
  const failed = trackFailures();
  let db: TestDatabase;
  let root: string;
  let env: Record<string, string>;
  const cleanups: Array<() => unknown> = [];

  beforeAll(async () => {
    db = await createDatabase("backfill_store");
    await applyStateMigrations(db.url);
    const made = makeProject({
      "nomaflow.yaml": `runs_dir: runs\nconnectors:\n  store-db: { url: "\${env:STORE_URL}" }\nstate: { connector: store-db }\n`,
      "jobs/nightly.yaml": `id: nightly
schedule: { cron: "0 2 * * *", timezone: Europe/Paris }
steps:
  - { name: work, type: shell, command: "if [ -f slow ]; then touch going; while [ ! -f go ]; do sleep 0.05; done; fi; echo \${run.scheduled_for:date}" }
`,
    });
    root = made.root;
    cleanups.push(made.remove);
    env = { STORE_URL: db.url };
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await db?.drop(failed());
  });

  const storedRuns = async () =>
    (await db.query(`select run_id, trigger, scheduled_for, status from nomaflow.runs where job_id = 'nightly' order by scheduled_for, run_id`)).rows as {
      run_id: string;
      trigger: string;
      scheduled_for: string;
      status: string;
    }[];

  it("records its runs in the store, and skips what the store says succeeded when this host has no log of it", async () => {
    const result = await runCli(["backfill", "nightly", "--from", "2027-03-27", "--to", "2027-03-28"], { cwd: root, env });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    // The spring-forward night: 02:00 does not exist, the job fires at 03:00.
    expect(await storedRuns()).toEqual([
      { run_id: expect.any(String), trigger: "backfill", scheduled_for: "2027-03-27T02:00:00+01:00", status: "succeeded" },
      { run_id: expect.any(String), trigger: "backfill", scheduled_for: "2027-03-28T03:00:00+02:00", status: "succeeded" },
    ]);
    const [first, second] = await storedRuns();
    rmSync(join(root, "runs"), { recursive: true });
    const dry = await runCli(["backfill", "nightly", "--from", "2027-03-27", "--to", "2027-03-29", "--dry-run"], { cwd: root, env });
    expect(dry.stdout.split("\n")).toEqual([
      "backfill nightly: 0 2 * * * in Europe/Paris, 3 fire times from 2027-03-27T02:00:00+01:00 to 2027-03-29T02:00:00+02:00: 1 to run, 2 already succeeded",
      `[1/3] ↷ 2027-03-27T02:00:00+01:00  already succeeded in run ${first!.run_id}`,
      `[2/3] ↷ 2027-03-28T03:00:00+02:00  already succeeded in run ${second!.run_id}`,
      "[3/3] ▶ 2027-03-29T02:00:00+02:00  would run",
      "",
    ]);
  }, 60_000);

  it("waits while a daemon's run holds the job, holds it for its own run against the daemons, and frees it", async () => {
    // A daemon elsewhere runs the job: its lock and its running run.
    await db.query(`insert into nomaflow.runs (run_id, job_id, daemon_id, host, pid, trigger, scheduled_for, status, started_at)
                    values ('daemon-run', 'nightly', 'daemon-x', 'elsewhere', 1, 'schedule', '2027-04-01T02:00:00+02:00', 'running', now())`);
    await db.query(`insert into nomaflow.job_locks (job_id, daemon_id, run_id) values ('nightly', 'daemon-x', 'daemon-run')`);
    const backfill = spawn(process.execPath, [BIN, "backfill", "nightly", "--from", "2027-04-05", "--to", "2027-04-05"], {
      cwd: root,
      env: { ...process.env, ...env, NO_COLOR: "1" },
    });
    cleanups.push(() => backfill.kill("SIGKILL"));
    let stderr = "";
    backfill.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = new Promise((resolve) => backfill.on("exit", resolve));
    expect(await eventually(() => stderr.includes("waits for run daemon-run"), 20_000)).toBe(true);
    expect(stderr).toContain("[1/1] … 2027-04-05T02:00:00+02:00  waits for run daemon-run of nightly to end (concurrency: forbid)");

    // The daemon's run ends; the backfill's run takes the lock, and a daemon is refused it meanwhile.
    rmSync(join(root, "go"), { force: true });
    writeFileSync(join(root, "slow"), "");
    await db.query(`update nomaflow.runs set status = 'succeeded', ended_at = now() where run_id = 'daemon-run'`);
    expect(await eventually(() => existsSync(join(root, "going")), 20_000)).toBe(true);
    const lock = (await db.query(`select daemon_id, run_id from nomaflow.job_locks where job_id = 'nightly'`)).rows[0] as { daemon_id: string; run_id: string };
    expect(lock.daemon_id).toBe(`backfill@${hostname()}:${backfill.pid}`);
    const daemon = await openClusterStore(db.url);
    cleanups.push(() => daemon.close());
    expect(await daemon.store.tryLockJobs([{ jobId: "nightly", runId: "daemon-run-2" }])).toEqual([{ acquired: false, heldBy: lock.run_id }]);
    writeFileSync(join(root, "go"), "");
    expect(await exit).toBe(0);
    rmSync(join(root, "slow"));
    expect((await db.query(`select * from nomaflow.job_locks where job_id = 'nightly'`)).rows).toEqual([]);
    expect((await storedRuns()).find((run) => run.run_id === lock.run_id)).toMatchObject({
      trigger: "backfill",
      status: "succeeded",
      scheduled_for: "2027-04-05T02:00:00+02:00",
    });
  }, 60_000);

  it("takes over the lock of a backfill run on this host whose process was killed", async () => {
    const dead = await exitedPid();
    await db.query(
      `insert into nomaflow.runs (run_id, job_id, daemon_id, host, pid, trigger, scheduled_for, status, started_at)
       values ('killed-run', 'nightly', null, $1, $2, 'backfill', '2027-04-06T02:00:00+02:00', 'running', now())`,
      [hostname(), dead],
    );
    await db.query(`insert into nomaflow.job_locks (job_id, daemon_id, run_id) values ('nightly', $1, 'killed-run')`, [`backfill@${hostname()}:${dead}`]);
    const result = await runCli(["backfill", "nightly", "--from", "2027-04-06", "--to", "2027-04-06"], { cwd: root, env });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect((await db.query(`select status, abandoned_by from nomaflow.runs where run_id = 'killed-run'`)).rows).toEqual([
      { status: "abandoned", abandoned_by: expect.stringMatching(/^backfill@/) },
    ]);
    expect((await db.query(`select * from nomaflow.job_locks`)).rows).toEqual([]);
  }, 60_000);
});

async function openClusterStore(url: string): Promise<{ store: ClusterFireStore; close: () => Promise<void> }> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on("error", () => {});
  const store = new ClusterFireStore({
    pool,
    schema: '"nomaflow"',
    identity: { host: "daemon-host", pid: 4242, version: "0.1.0", projectRevision: "rev", definitionsHash: "0000000000000000", maxRuns: undefined },
    heartbeatMs: 5_000,
    leaseMs: 60_000,
    keepDays: 90,
    clock: stillClock,
    log: new DaemonLog({ format: "json", out: () => {}, err: () => {}, syslogPrefix: false }),
    onLeaseLost: () => {},
    elapsed: () => 0,
  });
  await store.open([]);
  return {
    store,
    close: async () => {
      await store.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
