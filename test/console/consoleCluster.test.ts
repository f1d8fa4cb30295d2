/**
 * The console of a project with `state:` on a real PostgreSQL: a run made on another copy of the
 * project (another host's runs folder) and a daemon registered there are shown, read from the
 * store: the catalogue's last run, the history, the run page and its live stream, the cluster page.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { spawn } from "node:child_process";
import type { Catalogue, ClusterView, ConsoleInfo, JobHistory, RunDetail, RunStarted } from "../../src/console/consoleApi.js";
import { startDaemon, type DaemonProcess } from "../daemon/daemonProcess.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../support/postgres.js";
import { applyStateMigrations } from "../support/stateSchema.js";
import { BIN, makeProject, runCli } from "../support/tempProject.js";
import { CookieClient, readLiveRun, startConsoleForTest, type ConsoleForTest } from "./consoleForTest.js";

const JOB =
  'id: nightly\nschedule: { cron: "0 2 * * *", timezone: UTC }\nsteps:\n  - { name: work, type: shell, command: "echo copied" }\n  - { name: check, type: shell, command: "true" }\n';

describeWithPostgres("the console with a state store", () => {
  const failed = trackFailures();
  let db: TestDatabase;
  const removers: Array<() => void> = [];
  let elsewhere: string;
  let here: string;
  let runId: string;
  let daemon: DaemonProcess;
  let console: ConsoleForTest;

  const copy = () => {
    const made = makeProject({
      "nomaflow.yaml": `runs_dir: runs\nconnectors:\n  ops: { url: "\${env:STORE_URL}" }\nstate: { connector: ops, heartbeat_seconds: 1, lease_seconds: 5 }\n`,
      "jobs/nightly.yaml": JOB,
    });
    removers.push(made.remove);
    return made.root;
  };

  beforeAll(async () => {
    db = await createDatabase("console_cluster");
    await applyStateMigrations(db.url);
    elsewhere = copy();
    here = copy();
    const run = await runCli(["run", "nightly", "--json"], { cwd: elsewhere, env: { STORE_URL: db.url } });
    expect(run.code, run.stderr).toBe(0);
    runId = (JSON.parse(run.stdout.split("\n")[0]!) as { run_id: string }).run_id;
    daemon = startDaemon(elsewhere, ["--grace", "1"], { env: { STORE_URL: db.url } });
    await daemon.waitFor((line) => line.event === "daemon_started");
    console = await startConsoleForTest(here, { processEnv: { STORE_URL: db.url } });
  });

  afterAll(async () => {
    await console?.close();
    daemon?.child.kill("SIGTERM");
    await daemon?.exited;
    for (const remove of removers) remove();
    await db?.drop(failed());
  });

  it("names the store, and shows the other copy's run as the job's last run", async () => {
    const info = (await (await fetch(`${console.url}api/info`)).json()) as ConsoleInfo;
    expect(info.store).toBe("schema nomaflow on ops");
    const catalogue = (await (await fetch(`${console.url}api/jobs`)).json()) as Catalogue;
    expect(catalogue.warning).toBeUndefined();
    expect(catalogue.jobs[0]!.lastRun).toMatchObject({ runId, status: "succeeded", trigger: "manual" });
    expect(catalogue.jobs[0]!.recent).toEqual([{ runId, status: "succeeded", durationMs: expect.any(Number) }]);
    const history = (await (await fetch(`${console.url}api/jobs/nightly/history`)).json()) as JobHistory;
    expect(history.runs.map((run) => run.runId)).toEqual([runId]);
    expect(history.failureRate).toBe(0);
  });

  it("reads the run's page and its live stream from the store", async () => {
    const detail = (await (await fetch(`${console.url}api/runs/${runId}`)).json()) as RunDetail;
    expect(detail).toMatchObject({ runId, jobId: "nightly", status: "succeeded", eventsMissing: 0 });
    expect(detail.steps.map((step) => [step.name, step.status])).toEqual([
      ["work", "succeeded"],
      ["check", "succeeded"],
    ]);
    expect(detail.steps[0]!.output).toMatchObject({ stdout: "copied" });
    const live = await readLiveRun<RunDetail>(await fetch(`${console.url}api/runs/${runId}/live`));
    expect([live.ended, live.runs.at(-1)!.status]).toEqual([true, "succeeded"]);
  });

  it("lists the daemons of the store on the cluster page", async () => {
    const cluster = (await (await fetch(`${console.url}api/cluster`)).json()) as ClusterView;
    expect(cluster.store).toContain("schema nomaflow on");
    expect(cluster.daemons).toHaveLength(1);
    expect(cluster.daemons[0]).toMatchObject({ pid: daemon.child.pid, lease: "alive", runs: 0, maxRuns: null });
  });

  it("nomaflow console records a run started from its page in the store, as nomaflow run does", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", STORE_URL: db.url, NOMAFLOW_CONSOLE_TOKEN: "a-token-for-the-cluster-test" };
    delete env.NOMAFLOW_RUNS_DIR;
    const child = spawn(process.execPath, [BIN, "console", "-C", here, "--http", "127.0.0.1:0"], { env, stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve) =>
        child.stdout!.setEncoding("utf8").once("data", (line: string) => resolve(line.trim().slice("console: ".length))),
      );
      const client = new CookieClient(url);
      expect((await client.signIn("a-token-for-the-cluster-test")).status).toBe(200);
      const { runId: started } = (await (await client.post("api/jobs/nightly/runs", {})).json()) as RunStarted;
      expect((await readLiveRun<RunDetail>(await fetch(`${url}api/runs/${started}/live`))).runs.at(-1)!.status).toBe("succeeded");
      let row: { status: string; trigger: string } | undefined;
      for (let wait = 0; wait < 50 && row?.status !== "succeeded"; wait++) {
        row = (await db.query("select status, trigger from nomaflow.runs where run_id = $1", [started])).rows[0] as typeof row;
        if (row?.status !== "succeeded") await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(row).toEqual({ status: "succeeded", trigger: "manual" });
    } finally {
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });

  it("falls back to this host's runs, saying why, when the store cannot be reached", async () => {
    const unreachable = await startConsoleForTest(copy(), { processEnv: { STORE_URL: "postgres://postgres@127.0.0.1:1/nothing" } });
    try {
      const catalogue = (await (await fetch(`${unreachable.url}api/jobs`)).json()) as Catalogue;
      expect(catalogue.jobs[0]!.lastRun).toBeNull();
      expect(catalogue.warning).toContain("connection refused by 127.0.0.1:1");
      expect(catalogue.warning).toContain("showing this host's runs only");
      expect((await fetch(`${unreachable.url}api/cluster`)).status).toBe(503);
    } finally {
      await unreachable.close();
    }
  });
});
