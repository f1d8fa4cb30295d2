import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors/nomaflowError.js";
import { findRunLog, latestRun, listRunLogs, listRuns } from "../../src/run-logs/listRuns.js";
import { writeSampleRun } from "./sampleRun.js";

let runsDir: string;
beforeEach(() => {
  runsDir = mkdtempSync(join(tmpdir(), "nomaflow-runs-"));
});
afterEach(() => rmSync(runsDir, { recursive: true, force: true }));

/** Three runs of `nightly` and two of `hourly`, interleaved in time. */
function writeHistory(): { runId: string; jobId: string }[] {
  const runs = [
    { jobId: "nightly", iso: "2026-11-26T02:00:00.000Z" },
    { jobId: "hourly", iso: "2026-11-27T13:00:00.000Z" },
    { jobId: "nightly", iso: "2026-11-27T02:00:00.000Z" },
    { jobId: "nightly", iso: "2026-11-28T02:00:00.000Z" },
    { jobId: "hourly", iso: "2026-11-28T14:00:00.000Z" },
  ];
  return runs.map(({ jobId, iso }) => ({ jobId, runId: writeSampleRun(runsDir, { jobId, start: new Date(iso), final: "run_succeeded" }).runId }));
}

describe("listRuns", () => {
  it("lists runs newest first across jobs", () => {
    const history = writeHistory();
    const newestFirst = [...history].sort((a, b) => (a.runId < b.runId ? 1 : -1));
    expect(listRuns(runsDir).map((run) => [run.run_id, run.job_id])).toEqual(newestFirst.map((run) => [run.runId, run.jobId]));
    expect(newestFirst[0]!.runId).toMatch(/^20261128T140000000Z-/);
  });

  it("keeps to the limit and to one job when asked", () => {
    const history = writeHistory();
    expect(listRuns(runsDir, { limit: 2 }).map((run) => run.run_id.slice(0, 19))).toEqual(["20261128T140000000Z", "20261128T020000000Z"]);
    const nightly = listRuns(runsDir, { jobId: "nightly" });
    expect(nightly.map((run) => run.job_id)).toEqual(["nightly", "nightly", "nightly"]);
    expect(nightly.map((run) => run.run_id)).toEqual(
      history
        .filter((run) => run.jobId === "nightly")
        .map((run) => run.runId)
        .reverse(),
    );
    expect(listRuns(runsDir, { jobId: "hourly", limit: 1 })[0]!.run_id.slice(0, 19)).toBe("20261128T140000000Z");
  });

  it("reads only the logs it returns", () => {
    writeHistory();
    // An older log that cannot be opened (a dangling link) would throw if it were read.
    symlinkSync(join(runsDir, "gone"), join(runsDir, "nightly", "20200101T000000000Z-aaaaaa.ndjson"));
    expect(listRunLogs(runsDir)).toHaveLength(6);
    expect(listRuns(runsDir, { limit: 5 })).toHaveLength(5);
    expect(() => listRuns(runsDir, { limit: 6 })).toThrow(/ENOENT/);
  });

  it("ignores files that are not run logs, and a missing runs folder", () => {
    writeHistory();
    writeFileSync(join(runsDir, "nightly", "notes.txt"), "x");
    writeFileSync(join(runsDir, "nightly", "not-a-run-id.ndjson"), "x");
    writeFileSync(join(runsDir, "stray.ndjson"), "x");
    expect(listRunLogs(runsDir)).toHaveLength(5);
    expect(listRuns(join(runsDir, "nope"))).toEqual([]);
    expect(listRuns(runsDir, { jobId: "never-ran" })).toEqual([]);
    expect(listRuns(runsDir, { jobId: "../nightly" })).toEqual([]);
  });

  it("latestRun is the newest run of one job", () => {
    writeHistory();
    expect(latestRun(runsDir, "nightly")).toMatchObject({ job_id: "nightly", status: "succeeded", started_at: "2026-11-28T02:00:00.000Z" });
    expect(latestRun(runsDir, "weekly")).toBeUndefined();
  });
});

describe("findRunLog", () => {
  it("finds a run by its id or a unique prefix", () => {
    const history = writeHistory();
    const target = history[2]!;
    const path = join(runsDir, target.jobId, `${target.runId}.ndjson`);
    expect(findRunLog(runsDir, target.runId)).toBe(path);
    expect(findRunLog(runsDir, "20261127T02")).toBe(path);
  });

  it("refuses an unknown run and an ambiguous prefix, naming the candidates", () => {
    const history = writeHistory();
    expect(() => findRunLog(runsDir, "20991231")).toThrow(UsageError);
    expect(() => findRunLog(runsDir, "20991231")).toThrow(`no run 20991231 in ${runsDir.split("/").pop()}/; see nomaflow runs`);
    let error: unknown;
    try {
      findRunLog(runsDir, "20261128");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).toMatch(/^run id 20261128 is ambiguous: it could be /);
    for (const run of history.filter((candidate) => candidate.runId.startsWith("20261128"))) expect(message).toContain(`${run.runId} (${run.jobId})`);
    expect(message).not.toContain(history[0]!.runId);
    expect(() => findRunLog(runsDir, "")).toThrow(UsageError);
  });
});
