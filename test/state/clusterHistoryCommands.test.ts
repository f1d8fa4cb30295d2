/**
 * `runs`, `show`, `show --follow` and `list` with `state`: through the real binary, project A
 * shows a run recorded by "another host" (project B: its own runs folder, the same store), next to
 * a run only A's logs have; a store that cannot be read falls back to the local logs with a
 * warning. And `nomaflow run` (runInForeground) records its run in the store, or warns.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Writable } from "node:stream";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutput } from "../../src/cli/output.js";
import { runInForeground } from "../../src/cli/runInForeground.js";
import { loadProject } from "../../src/project/loadProject.js";
import { readRunLog, readRunSummary } from "../../src/run-logs/readRunLog.js";
import type { RunEvent } from "../../src/run-logs/runEvents.js";
import { RunHistoryWriter } from "../../src/state/runHistoryWriter.js";
import { checkJob } from "../../src/validate/checkProject.js";
import { writeSampleRun } from "../run-logs/sampleRun.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../support/postgres.js";
import { applyStateMigrations } from "../support/stateSchema.js";
import { makeProject, runCli } from "../support/tempProject.js";

const JOB = `id: nightly
schedule: { cron: "0 2 * * *", timezone: Europe/Paris }
steps:
  - name: sanity
    type: shell
    command: "echo checked"
`;

const config = (url: string, state = true) => `runs_dir: runs
connectors:
  ops-db: { url: "${url}" }
${state ? "state: { connector: ops-db }\n" : ""}`;

const eventsOf = (path: string): RunEvent[] => readRunLog(path).events;

describeWithPostgres("run history commands on a state store", () => {
  const failed = trackFailures();
  let db: TestDatabase;
  let empty: TestDatabase;
  let pool: pg.Pool;
  let hostB: RunHistoryWriter;
  const projects: { root: string; remove: () => void }[] = [];
  const project = (files: Record<string, string>) => {
    const made = makeProject(files);
    projects.push(made);
    return made;
  };
  const cli = (root: string, args: string[]) => runCli([...args, "-C", root], { env: { TZ: "Europe/Paris" } });

  beforeAll(async () => {
    [db, empty] = await Promise.all([createDatabase("history_cli"), createDatabase("history_cli_empty")]);
    await applyStateMigrations(db.url);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    hostB = new RunHistoryWriter({ pool, schema: '"nomaflow"', daemonId: "daemon-b", flushIntervalMs: 50 });
    await db.query(`insert into nomaflow.daemons (id, host, pid, version, project_revision, definitions_hash, lease_until) values
      ('daemon-b', 'host-b', 4321, '0.1.0', 'r1', 'h1', clock_timestamp() + interval '1 hour'),
      ('daemon-c', 'host-c', 5432, '0.1.0', 'r1', 'h1', clock_timestamp() - interval '1 minute')`);
  });
  afterAll(async () => {
    await hostB.close(1_000);
    await pool.end();
    for (const made of projects) made.remove();
    await Promise.all([db.drop(failed()), empty.drop(failed())]);
  });

  /** Project B's run on host-b: a real log in B's runs folder, its events recorded in the store. */
  async function runOnHostB(options: Parameters<typeof writeSampleRun>[1] = {}, recordCount?: number) {
    const b = project({ "nomaflow.yaml": config(db.url), "jobs/nightly.yaml": JOB });
    const run = writeSampleRun(join(b.root, "runs"), { host: "host-b", pid: 4321, trigger: "schedule", ...options });
    const events = eventsOf(run.path);
    for (const event of events.slice(0, recordCount)) hostB.record(event);
    expect(await hostB.flush(10_000)).toMatchObject({ complete: true });
    return { ...run, events, rest: events.slice(recordCount ?? events.length) };
  }

  it("runs, show and list of project A show another host's run, and A's own", async () => {
    const a = project({ "nomaflow.yaml": config(db.url), "jobs/nightly.yaml": JOB });
    const own = writeSampleRun(join(a.root, "runs"), { start: new Date("2026-11-27T01:00:00.000Z"), final: "run_succeeded" });
    const remote = await runOnHostB({ start: new Date("2026-11-28T01:00:00.123Z") });

    const runs = await cli(a.root, ["runs"]);
    expect(runs).toMatchObject({ code: 0, stderr: "" });
    // Columns are two spaces or more apart (this host's name sets the HOST column's width).
    expect(
      runs.stdout
        .trimEnd()
        .split("\n")
        .map((line) => line.split(/\s{2,}/)),
    ).toEqual([
      ["RUN ID", "JOB", "HOST", "STATUS", "TRIGGER", "STARTED", "DURATION", "FAILED STEP"],
      [remote.runId, "nightly", "host-b", "failed", "schedule", "2026-11-28T02:00:00+01:00", "1 min 04 s", "copy"],
      [own.runId, "nightly", hostname(), "succeeded", "manual", "2026-11-27T02:00:00+01:00", "1 min 04 s"],
    ]);

    const json = JSON.parse((await cli(a.root, ["runs", "--json", "--limit", "1"])).stdout) as Record<string, unknown>[];
    const { steps, ...summary } = readRunSummary(remote.path);
    expect(json).toEqual([{ ...summary, steps: steps.map(({ output: _output, ...step }) => step) }]);
    expect(json[0]).toMatchObject({ host: "host-b", pid: 4321 });

    const show = await cli(a.root, ["show", remote.runId.slice(0, 20)]);
    expect(show).toMatchObject({ code: 0, stderr: "" });
    expect(show.stdout).toContain(`run ${remote.runId}  nightly  failed at step copy`);
    expect(show.stdout).toContain("  host      host-b, pid 4321, nomaflow 0.1.0");
    const shown = JSON.parse((await cli(a.root, ["show", remote.runId, "--json"])).stdout) as unknown;
    expect(shown).toEqual(JSON.parse(JSON.stringify(readRunSummary(remote.path))));
    // A's own run is shown from A's log.
    expect((await cli(a.root, ["show", own.runId])).stdout).toContain(`run ${own.runId}  nightly  succeeded`);

    const list = await cli(a.root, ["list", "--json"]);
    expect(JSON.parse(list.stdout)).toMatchObject([
      { id: "nightly", last_run: { run_id: remote.runId, status: "failed", started_at: "2026-11-28T01:00:00.123Z", host: "host-b" } },
    ]);
    expect((await cli(a.root, ["list"])).stdout).toContain("failed 2026-11-28T02:00:00+01:00 on host-b");
  });

  it("show --follow follows another host's run as it is recorded, and says when its daemon is gone", async () => {
    const a = project({ "nomaflow.yaml": config(db.url), "jobs/nightly.yaml": JOB });
    const live = await runOnHostB({}, 4);
    const following = cli(a.root, ["show", live.runId, "--follow", "--json"]);
    await sleep(1_500);
    for (const event of live.rest) hostB.record(event);
    const followed = await following;
    expect(followed).toMatchObject({ code: 1, stderr: "" });
    expect(
      followed.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual(live.events);

    // A run of daemon-c, whose lease ran out, without its final event.
    const events = eventsOf(writeSampleRun(join(a.root, "..", "c-runs"), { host: "host-c", pid: 5432, final: null, eventCount: 5 }).path);
    const hostC = new RunHistoryWriter({ pool, schema: '"nomaflow"', daemonId: "daemon-c", flushIntervalMs: 50 });
    for (const event of events) hostC.record(event);
    await hostC.close(10_000);
    const abandoned = await cli(a.root, ["show", events[0]!.run_id, "--follow"]);
    expect(abandoned.code).toBe(1);
    expect(abandoned.stdout.trim().split("\n")).toHaveLength(5);
    expect(abandoned.stderr).toBe(
      `nomaflow: run ${events[0]!.run_id} abandoned: its daemon (pid 5432 on host-c) is gone and the state store has no final event\n`,
    );
    expect(JSON.parse((await cli(a.root, ["show", events[0]!.run_id, "--json"])).stdout)).toMatchObject({ status: "abandoned", host: "host-c" });
  });

  it("falls back to the local logs with a warning naming the connector when the store cannot be read", async () => {
    const local = { "jobs/nightly.yaml": JOB };
    const unreachable = project({ "nomaflow.yaml": config("postgres://postgres@127.0.0.1:1/none"), ...local });
    const own = writeSampleRun(join(unreachable.root, "runs"), { final: "run_succeeded" });
    const runs = await cli(unreachable.root, ["runs"]);
    expect(runs.code).toBe(0);
    expect(runs.stderr).toBe(
      "warning: cannot read the run history from the state store (connector ops-db): connection refused by 127.0.0.1:1 (is the server running and listening there?); showing the run logs of this host only\n",
    );
    expect(runs.stdout).toContain(own.runId);
    expect((await cli(unreachable.root, ["show", own.runId])).stdout).toContain(`run ${own.runId}`);

    const unmigrated = project({ "nomaflow.yaml": config(empty.url), ...local });
    const notSetUp = await cli(unmigrated.root, ["runs"]);
    expect(notSetUp.code).toBe(0);
    expect(notSetUp.stderr).toBe(
      "warning: the state store (schema nomaflow on ops-db) is not set up yet: run nomaflow state migrate; showing the run logs of this host only\n",
    );
    expect(notSetUp.stdout).toMatch(/^no runs yet in \S*runs\n$/);

    // A store migrated by a newer nomaflow is not read at all.
    await applyStateMigrations(empty.url);
    await empty.query("insert into nomaflow.migrations (version, name, nomaflow_version) values (99, 'future', '9.0.0')");
    const newer = await cli(unmigrated.root, ["runs"]);
    expect(newer.code).toBe(2);
    expect(newer.stderr).toContain("nomaflow: error: the state store (schema nomaflow on ops-db) is at version 99, written by nomaflow 9.0.0; this nomaflow");
    expect(newer.stderr).toContain("hint: upgrade nomaflow on this host to 9.0.0 or later");
  });

  describe("nomaflow run (runInForeground)", () => {
    /** Project A's job run in this process, with `state` given as the project model will carry it. */
    async function runWithState(url: string) {
      const a = project({ "nomaflow.yaml": config(url, false), "jobs/nightly.yaml": JOB });
      const loaded = loadProject({ projectDir: a.root, cwd: a.root, processEnv: {} });
      const withState = {
        ...loaded,
        config: { ...loaded.config, state: { connector: "ops-db", schema: "nomaflow", heartbeatSeconds: 5, leaseSeconds: 20, keepDays: 90 } },
      };
      const job = await checkJob(loaded, "nightly");
      let stdout = "";
      let stderr = "";
      const sink = (append: (text: string) => void) =>
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            append(chunk.toString());
            done();
          },
        }) as unknown as NodeJS.WriteStream;
      const output = createOutput({ stdout: sink((text) => (stdout += text)), stderr: sink((text) => (stderr += text)) });
      const started = Date.now();
      const result = await runInForeground({ project: withState, job, params: {}, output });
      return { result, stdout, stderr, elapsedMs: Date.now() - started };
    }

    it("records its run in the store, daemon_id null", async () => {
      const { result, stderr } = await runWithState(db.url);
      expect(result.status).toBe("succeeded");
      expect(stderr).toBe("");
      const { rows } = await db.query("select event from nomaflow.run_events where run_id = $1 order by seq", [result.runId]);
      const lines = readFileSync(result.logPath, "utf8").split("\n").filter(Boolean);
      expect(rows.map((row: { event: unknown }) => row.event)).toEqual(lines.map((line) => JSON.parse(line) as unknown));
      const run = await db.query("select daemon_id, status, pid from nomaflow.runs where run_id = $1", [result.runId]);
      expect(run.rows).toEqual([{ daemon_id: null, status: "succeeded", pid: process.pid }]);
    });

    it("never fails the run for the store: a warning says what was not recorded", async () => {
      const { result, stderr, elapsedMs } = await runWithState("postgres://postgres@127.0.0.1:1/none");
      expect(result.status).toBe("succeeded");
      expect(stderr).toMatch(
        /^warning: the run was not recorded whole in the state store \(connector ops-db\): connection refused .*\(\d+ events not written\); its run log has every event\n$/,
      );
      // The wait for the store at the end is short.
      expect(elapsedMs).toBeLessThan(8_000);
    });
  });
});
