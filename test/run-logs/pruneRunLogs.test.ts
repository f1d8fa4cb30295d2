/**
 * Run-log retention: `keep_last` and `days` each alone and together, never a job's newest log,
 * never a run still going (a real process), an abandoned run pruned like a finished one, dry runs,
 * and which retention governs a folder (the job's, none for an invalid job, the defaults for a job gone).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RetentionSettings } from "../../src/project/job.js";
import { loadProject } from "../../src/project/loadProject.js";
import { pruneRunLogs, retentionOfLogs } from "../../src/run-logs/pruneRunLogs.js";
import { checkProject } from "../../src/validate/checkProject.js";
import { makeProject } from "../support/tempProject.js";
import { exitedPid, writeSampleRun } from "./sampleRun.js";

const DAY = 86_400_000;
const NOW = Date.parse("2027-03-01T12:00:00Z");
const removers: (() => void)[] = [];
afterEach(() => removers.splice(0).forEach((remove) => remove()));

function runsFolder(): string {
  const { root, remove } = makeProject({ "nomaflow.yaml": "runs_dir: runs\n" });
  removers.push(remove);
  return join(root, "runs");
}

/** Finished runs of `jobId` started `daysAgo` days before NOW, oldest first; returns their ids. */
function writeRuns(runsDir: string, jobId: string, daysAgo: number[]): string[] {
  return daysAgo.map((days) => writeSampleRun(runsDir, { jobId, start: new Date(NOW - days * DAY), final: "run_succeeded" }).runId);
}

const logsOf = (runsDir: string, jobId: string) =>
  readdirSync(join(runsDir, jobId))
    .map((name) => name.replace(".ndjson", ""))
    .sort();

const only = (retention: RetentionSettings) => () => retention;

describe("pruneRunLogs", () => {
  it("keep_last alone keeps the newest N whatever their age; a dry run says the same and deletes nothing", async () => {
    const runsDir = runsFolder();
    const ids = writeRuns(runsDir, "tick", [9, 8, 7, 6, 5]);
    const dry = await pruneRunLogs({ runsDir, retentionOf: only({ days: undefined, keepLast: 2 }), nowMs: NOW, dryRun: true });
    expect(dry.removedCount).toBe(3);
    expect(logsOf(runsDir, "tick")).toEqual(ids);

    const done = await pruneRunLogs({ runsDir, retentionOf: only({ days: undefined, keepLast: 2 }), nowMs: NOW });
    expect(done.jobs[0]!.removed.map((log) => log.runId)).toEqual(dry.jobs[0]!.removed.map((log) => log.runId));
    expect(done.jobs[0]!.removed.map((log) => log.runId).sort()).toEqual(ids.slice(0, 3));
    expect(done).toMatchObject({ dryRun: false, removedCount: 3, jobs: [{ jobId: "tick", kept: 2, going: [], failed: [] }] });
    expect(done.removedBytes).toBe(done.jobs[0]!.removed.reduce((sum, log) => sum + log.bytes, 0));
    expect(done.removedBytes).toBeGreaterThan(3 * 500);
    expect(logsOf(runsDir, "tick")).toEqual(ids.slice(3));
  });

  it("days alone deletes runs started before the cutoff, but never the job's newest; with keep_last, only logs past both", async () => {
    const runsDir = runsFolder();
    const recent = writeRuns(runsDir, "recent", [40, 20, 3, 1]);
    const stale = writeRuns(runsDir, "stale", [60, 50, 45]);
    await pruneRunLogs({ runsDir, retentionOf: only({ days: 30, keepLast: undefined }), nowMs: NOW });
    expect(logsOf(runsDir, "recent")).toEqual(recent.slice(1));
    // Every log is past 30 days: the newest stays, so the job's last run is still known.
    expect(logsOf(runsDir, "stale")).toEqual(stale.slice(2));

    const both = writeRuns(runsDir, "both", [50, 40, 35, 10, 2]);
    await pruneRunLogs({ runsDir, retentionOf: only({ days: 30, keepLast: 4 }), nowMs: NOW });
    // The 4 newest stay (one of them older than 30 days); the fifth goes, being past both.
    expect(logsOf(runsDir, "both")).toEqual(both.slice(1));
  });

  it("never deletes the log of a run still going (its process alive), and deletes an abandoned one like a finished one", async () => {
    const runsDir = runsFolder();
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    removers.push(() => child.kill("SIGKILL"));
    const going = writeSampleRun(runsDir, { jobId: "job", start: new Date(NOW - 10 * DAY), final: null, pid: child.pid! }).runId;
    const abandoned = writeSampleRun(runsDir, { jobId: "job", start: new Date(NOW - 9 * DAY), final: null, pid: await exitedPid() }).runId;
    const [newest] = writeRuns(runsDir, "job", [1]);
    const result = await pruneRunLogs({ runsDir, retentionOf: only({ days: 1.5, keepLast: undefined }), nowMs: NOW });
    expect(result.jobs).toMatchObject([{ jobId: "job", going: [going], kept: 2 }]);
    expect(result.jobs[0]!.removed.map((log) => log.runId)).toEqual([abandoned]);
    expect(logsOf(runsDir, "job")).toEqual([going, newest]);
  });

  it("leaves a job without retention alone, and counts nothing for it", async () => {
    const runsDir = runsFolder();
    writeRuns(runsDir, "kept", [100, 90]);
    const result = await pruneRunLogs({ runsDir, retentionOf: () => undefined, nowMs: NOW });
    expect(result).toMatchObject({ removedCount: 0, removedBytes: 0, jobs: [{ jobId: "kept", retention: undefined, kept: 2, removed: [] }] });
  });
});

describe("retentionOfLogs", () => {
  it("takes a valid job's retention whole over the defaults, keeps an invalid job's logs, and applies the defaults to a job gone", async () => {
    const { root, remove } = makeProject({
      "nomaflow.yaml": "defaults:\n  runs_retention: { days: 30, keep_last: 100 }\n",
      "jobs/busy.yaml": 'id: busy\nruns_retention: { keep_last: 20 }\nsteps:\n  - { name: a, type: shell, command: "true" }\n',
      "jobs/plain.yaml": 'id: plain\nsteps:\n  - { name: a, type: shell, command: "true" }\n',
      "jobs/broken.yaml": 'id: broken\nruns_retention: { keep_last: 0 }\nsteps:\n  - { name: a, type: shell, command: "true" }\n',
    });
    removers.push(remove);
    const project = loadProject({ projectDir: root, cwd: root, processEnv: {} });
    const checked = await checkProject(project);
    const retentionOf = retentionOfLogs(project, (jobId) => checked.jobs.get(jobId));
    expect(retentionOf("busy")).toEqual({ days: undefined, keepLast: 20 });
    expect(retentionOf("plain")).toEqual({ days: 30, keepLast: 100 });
    expect(retentionOf("broken")).toBeUndefined();
    expect(retentionOf("deleted-long-ago")).toEqual({ days: 30, keepLast: 100 });
  });
});

describe("a folder that is not a job's logs", () => {
  it("is left alone: files that are not run logs, and folders of other things", async () => {
    const runsDir = runsFolder();
    writeRuns(runsDir, "job", [10, 9]);
    writeFileSync(join(runsDir, "job", "notes.txt"), "mine\n");
    mkdirSync(join(runsDir, "job", "20270101T000000000Z-aaaaaa.ndjson.d"));
    const result = await pruneRunLogs({ runsDir, retentionOf: only({ days: undefined, keepLast: 1 }), nowMs: NOW });
    expect(result.removedCount).toBe(1);
    expect(existsSync(join(runsDir, "job", "notes.txt"))).toBe(true);
  });
});
