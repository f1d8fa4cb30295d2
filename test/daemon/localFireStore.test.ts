/**
 * The local fire store on a real runs folder: the daemon lock, the record read back from run logs,
 * locks held by runs of other processes, and abandoned runs reported once across restarts.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireBackfillLock, BACKFILL_LOCK_FILE } from "../../src/daemon/backfillLockFile.js";
import { DAEMON_LOCK_FILE, processStartTicks } from "../../src/daemon/daemonLockFile.js";
import { processIsAlive } from "../../src/files/processIsAlive.js";
import { LocalFireStore } from "../../src/daemon/localFireStore.js";
import { UsageError } from "../../src/errors/nomaflowError.js";
import { listRunLogs } from "../../src/run-logs/listRuns.js";
import { RunLogWriter } from "../../src/run-logs/runLogWriter.js";
import { newRunId } from "../../src/identity/runId.js";
import { exitedPid, writeSampleRun } from "../run-logs/sampleRun.js";
import { eventually } from "../support/processState.js";
import { BIN, makeProject } from "../support/tempProject.js";
import { runLogs } from "./daemonProcess.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function runsDir(): string {
  const made = makeProject({});
  cleanups.push(made.remove);
  return join(made.root, "runs");
}

function lockHolder(dir: string): unknown {
  return JSON.parse(readFileSync(join(dir, DAEMON_LOCK_FILE), "utf8"));
}

function openStore(dir: string, options: Partial<ConstructorParameters<typeof LocalFireStore>[0]> = {}): LocalFireStore {
  const store = new LocalFireStore({ runsDir: dir, ...options });
  cleanups.push(() => store.close(Date.now()));
  return store;
}

/** A finished run log with run_started as the daemon writes it. */
const claim = async (store: LocalFireStore, jobId: string, scheduledForMs: number) => (await store.claimFires([{ jobId, scheduledForMs }]))[0]!.claimed;
const lockJob = async (store: LocalFireStore, jobId: string, runId = "run-x") => (await store.tryLockJobs([{ jobId, runId }]))[0]!;

function writeRun(dir: string, jobId: string, start: string, trigger: "schedule" | "catchup" | "manual", scheduledFor: string | null): string {
  const runId = newRunId(new Date(start));
  const writer = RunLogWriter.open(dir, jobId, runId, (text) => text);
  writer.write({ event: "run_started", trigger, scheduled_for: scheduledFor, params: {}, host: "h", pid: 1, version: "0", steps: ["a"] }, new Date(start));
  writer.write({ event: "run_succeeded", duration_ms: 5 }, new Date(start));
  writer.close();
  return runId;
}

describe("the daemon lock", () => {
  it("refuses a second daemon on the same project, naming the first", async () => {
    const dir = runsDir();
    await openStore(dir).open([], Date.now());
    const second = openStore(dir);
    const refused = second.open([], Date.now());
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow(`another nomaflow daemon is already running for this project (pid ${process.pid}`);
  });

  it("takes over a lock whose daemon is gone, and gives it back on close", async () => {
    const dir = runsDir();
    const dead = await exitedPid();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, DAEMON_LOCK_FILE), `${JSON.stringify({ pid: dead, host: hostname(), process_start: null, started_at: "" })}\n`);
    const store = openStore(dir);
    await store.open([], Date.now());
    expect(lockHolder(dir)).toMatchObject({ pid: process.pid, host: hostname(), process_start: processStartTicks(process.pid) });
    await expect(openStore(dir).open([], Date.now())).rejects.toThrow(`(pid ${process.pid}`);
    await store.close(Date.now());
    expect(existsSync(join(dir, DAEMON_LOCK_FILE))).toBe(false);
    await openStore(dir).open([], Date.now());
    expect(lockHolder(dir)).toMatchObject({ pid: process.pid });
  });

  it("takes over a lock whose pid now belongs to another process (a reboot reuses pids)", async () => {
    const dir = runsDir();
    const other = spawn("sleep", ["30"], { stdio: "ignore" });
    cleanups.push(() => other.kill("SIGKILL"));
    // The pid is alive, but its process started at another time than the lock says: not the daemon.
    const reused = { pid: other.pid!, host: hostname(), process_start: "1", started_at: "2026-01-01T00:00:00.000Z" };
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, DAEMON_LOCK_FILE), `${JSON.stringify(reused)}\n`);
    await openStore(dir).open([], Date.now());
    expect(lockHolder(dir)).toMatchObject({ pid: process.pid, process_start: processStartTicks(process.pid) });
  });
});

describe("the record of fires", () => {
  it("reads each job's latest scheduled fire from its run logs, past manual runs after it", async () => {
    const dir = runsDir();
    writeRun(dir, "nightly", "2027-01-01T01:00:00.000Z", "schedule", "2027-01-01T02:00:00+01:00");
    writeRun(dir, "nightly", "2027-01-02T01:05:00.000Z", "catchup", "2027-01-02T02:00:00+01:00");
    writeRun(dir, "nightly", "2027-01-02T09:00:00.000Z", "manual", null);
    const store = openStore(dir);
    await store.open(["nightly"], Date.now());
    expect(await store.lastScheduledFire("nightly")).toBe(Date.parse("2027-01-02T01:00:00Z"));
    expect(await store.lastScheduledFire("never-ran")).toBeUndefined();
    expect(await claim(store, "nightly", Date.parse("2027-01-02T01:00:00Z"))).toBe(false);
    expect(await claim(store, "nightly", Date.parse("2027-01-03T01:00:00Z"))).toBe(true);
    expect(await claim(store, "nightly", Date.parse("2027-01-03T01:00:00Z"))).toBe(false);
  });

  it("keeps decisions no run log records (skips, misses) for the next daemon", async () => {
    const dir = runsDir();
    const first = openStore(dir);
    await first.open(["job"], Date.parse("2027-01-01T00:00:00Z"));
    // Claimed, then skipped or missed: no run is started, so no run log says it was decided.
    expect(await claim(first, "job", Date.parse("2027-01-01T05:00:00Z"))).toBe(true);
    await first.close(Date.parse("2027-01-01T05:30:00Z"));
    expect(listRunLogs(dir, "job")).toEqual([]);
    const second = openStore(dir);
    const opened = await second.open(["job"], Date.parse("2027-01-01T06:00:00Z"));
    expect(opened.previous).toEqual({ lastAliveMs: Date.parse("2027-01-01T05:30:00Z"), stoppedCleanly: true });
    expect(await second.lastScheduledFire("job")).toBe(Date.parse("2027-01-01T05:00:00Z"));
    // The next daemon neither fires nor catches up the skipped time.
    expect(await claim(second, "job", Date.parse("2027-01-01T05:00:00Z"))).toBe(false);
    expect(await claim(second, "job", Date.parse("2027-01-01T06:00:00Z"))).toBe(true);
  });

  it("a corrupt state file is ignored: the run logs alone are the record", async () => {
    const dir = runsDir();
    writeRun(dir, "job", "2027-01-01T01:00:00.000Z", "schedule", "2027-01-01T01:00:00+00:00");
    writeFileSync(join(dir, ".daemon-state.json"), "{not json");
    const store = openStore(dir);
    expect((await store.open(["job"], Date.now())).previous).toBeUndefined();
    expect(await store.lastScheduledFire("job")).toBe(Date.parse("2027-01-01T01:00:00Z"));
  });
});

describe("runs of other processes and abandoned runs", () => {
  it("a forbid job's lock is refused while a live process (nomaflow run) runs the job, granted once it ends", async () => {
    const made = makeProject({
      "nomaflow.yaml": "runs_dir: runs\n",
      "jobs/job.yaml": 'id: job\nconcurrency: forbid\nsteps:\n  - { name: wait, type: shell, command: "sleep 30" }\n',
    });
    cleanups.push(made.remove);
    const dir = join(made.root, "runs");
    const run = spawn(process.execPath, [BIN, "run", "job", "-C", made.root], { stdio: "ignore" });
    cleanups.push(() => run.kill("SIGKILL"));
    const started = () => runLogs(made.root, "job")[0]?.some((event) => event.event === "step_started") === true;
    expect(await eventually(started, 10_000)).toBe(true);
    const runId = runLogs(made.root, "job")[0]![0]!.run_id;
    const store = openStore(dir);
    await store.open(["job"], Date.now());
    expect(await store.abandonedRuns()).toEqual([]);
    expect(await lockJob(store, "job")).toEqual({ acquired: false, heldBy: runId });
    const exited = once(run, "exit");
    run.kill("SIGTERM");
    await exited;
    expect(runLogs(made.root, "job")[0]!.at(-1)!.event).toBe("run_interrupted");
    const locked = await lockJob(store, "job", "run-a");
    expect(locked.acquired).toBe(true);
    expect(await lockJob(store, "job", "run-b")).toEqual({ acquired: false, heldBy: "run-a" });
    if (locked.acquired) await locked.lock.release();
    expect((await lockJob(store, "job", "run-c")).acquired).toBe(true);
  });

  it("a forbid job's lock is refused while a backfill run of it goes (its .backfill.lock), and a dead backfill's lock is ignored", async () => {
    const dir = runsDir();
    const store = openStore(dir);
    await store.open(["job"], Date.now());
    const backfill = acquireBackfillLock(dir, "job", "20270101T060000000Z-bkfill", processIsAlive);
    if (!("release" in backfill)) throw new Error("the lock was free");
    // A second backfill of the job is refused it too, told the run that holds it.
    expect(acquireBackfillLock(dir, "job", "another", processIsAlive)).toEqual({ heldBy: "20270101T060000000Z-bkfill" });
    expect(await lockJob(store, "job")).toEqual({ acquired: false, heldBy: "20270101T060000000Z-bkfill" });
    backfill.release();
    const locked = await lockJob(store, "job", "run-a");
    expect(locked.acquired).toBe(true);
    if (locked.acquired) await locked.lock.release();
    const dead = await exitedPid();
    writeFileSync(join(dir, "job", BACKFILL_LOCK_FILE), `${JSON.stringify({ pid: dead, host: hostname(), process_start: null, run_id: "gone" })}\n`);
    expect((await lockJob(store, "job", "run-b")).acquired).toBe(true);
  });

  it("finds runs whose process is gone, and reports each once, across restarts", async () => {
    const dir = runsDir();
    const dead = await exitedPid();
    const abandoned = writeSampleRun(dir, {
      jobId: "job",
      pid: dead,
      final: null,
      eventCount: 5,
      trigger: "schedule",
      start: new Date("2027-01-01T01:00:00Z"),
    });
    writeSampleRun(dir, { jobId: "job", pid: dead, final: "run_succeeded", start: new Date("2027-01-01T00:00:00Z") });
    const first = openStore(dir);
    await first.open(["job"], Date.now());
    const found = await first.abandonedRuns();
    expect(found.map((run) => [run.runId, run.summary.status, run.summary.failed_step])).toEqual([[abandoned.runId, "abandoned", "copy"]]);
    expect(found[0]!.lastEventAt).toBe("2027-01-01T01:00:00.400Z");
    // Its scheduled time counts as fired.
    expect(await first.lastScheduledFire("job")).toBe(Date.parse("2026-11-28T02:00:00+01:00"));
    // Killed before reporting it: the next daemon finds it again.
    const second = openStore(dir, { pid: await exitedPid() });
    await first.close(Date.now());
    await second.open(["job"], Date.now());
    expect((await second.abandonedRuns()).map((run) => run.runId)).toEqual([abandoned.runId]);
    await second.markAbandonedReported(abandoned.runId);
    expect(await second.abandonedRuns()).toEqual([]);
    await second.close(Date.now());
    const third = openStore(dir);
    await third.open(["job"], Date.now());
    expect(await third.abandonedRuns()).toEqual([]);
  });
});
