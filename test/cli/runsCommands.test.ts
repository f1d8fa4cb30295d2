/** `runs`, `show` (with --follow on a live run) and `list`'s last run, through the real binary. */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunLogWriter } from "../../src/run-logs/runLogWriter.js";
import { newRunId } from "../../src/identity/runId.js";
import { exitedPid, sampleRunEvents, writeSampleRun } from "../run-logs/sampleRun.js";
import { makeProject, MINIMAL_CONFIG, runCli } from "../support/tempProject.js";

const JOB = `id: nightly
schedule: { cron: "0 2 * * *", timezone: Europe/Paris }
steps:
  - name: sanity
    type: shell
    command: "true"
`;

let project: { root: string; remove: () => void };
let runsDir: string;
beforeEach(() => {
  project = makeProject({ "nomaflow.yaml": MINIMAL_CONFIG, "jobs/nightly.yaml": JOB });
  runsDir = join(project.root, "runs");
});
afterEach(() => project.remove());

const cli = (args: string[]) => runCli([...args, "-C", project.root], { env: { TZ: "Europe/Paris" } });

/** A failed scheduled run of nightly, a succeeded one of nightly, a succeeded one of hourly. */
function writeHistory() {
  return {
    failed: writeSampleRun(runsDir, { jobId: "nightly", start: new Date("2026-11-28T01:00:00.123Z"), trigger: "schedule" }),
    succeeded: writeSampleRun(runsDir, { jobId: "nightly", start: new Date("2026-11-27T01:00:00.000Z"), final: "run_succeeded" }),
    hourly: writeSampleRun(runsDir, { jobId: "hourly", start: new Date("2026-11-27T12:00:00.000Z"), final: "run_succeeded" }),
  };
}

describe("nomaflow runs", () => {
  it("prints the history newest first as a table", async () => {
    const { failed, succeeded, hourly } = writeHistory();
    const result = await cli(["runs"]);
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")).toEqual([
      "RUN ID                      JOB      STATUS     TRIGGER   STARTED                    DURATION    FAILED STEP",
      `${failed.runId}  nightly  failed     schedule  2026-11-28T02:00:00+01:00  1 min 04 s  copy`,
      `${hourly.runId}  hourly   succeeded  manual    2026-11-27T13:00:00+01:00  1 min 04 s`,
      `${succeeded.runId}  nightly  succeeded  manual    2026-11-27T02:00:00+01:00  1 min 04 s`,
      "",
    ]);
  });

  it("--json prints each run's summary, steps without their outputs; JOB and --limit narrow it", async () => {
    const { failed, succeeded } = writeHistory();
    const result = await cli(["runs", "nightly", "--json"]);
    expect(result.code).toBe(0);
    const runs = JSON.parse(result.stdout);
    expect(runs.map((run: { run_id: string }) => run.run_id)).toEqual([failed.runId, succeeded.runId]);
    expect(runs[0]).toMatchObject({
      job_id: "nightly",
      status: "failed",
      trigger: "schedule",
      failed_step: "copy",
      duration_ms: 64_000,
      started_at: "2026-11-28T01:00:00.123Z",
    });
    expect(runs[0].steps[0]).toEqual({
      name: "sanity",
      type: "python",
      status: "succeeded",
      attempts: 1,
      started_at: "2026-11-28T01:00:00.223Z",
      duration_ms: 850,
      attempt_durations_ms: [850],
      error: null,
      rows: null,
      bytes: null,
      skip_reason: null,
    });
    const limited = JSON.parse((await cli(["runs", "--limit", "1", "--json"])).stdout);
    expect(limited.map((run: { run_id: string }) => run.run_id)).toEqual([failed.runId]);
  });

  it("says when there are no runs, and exits 2 for a job that neither exists nor ran", async () => {
    expect(await cli(["runs"])).toMatchObject({ code: 0, stdout: `no runs yet in ${runsDir}\n` });
    expect(await cli(["runs", "nightly"])).toMatchObject({ code: 0, stdout: `no runs of nightly yet in ${runsDir}\n` });
    const typo = await cli(["runs", "nightyl"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("no job nightyl in this project and no runs of it");
    expect(typo.stderr).toContain("did you mean nightly?");
  });
});

describe("nomaflow show", () => {
  it("prints the run's timeline and exits 0 although the run failed", async () => {
    const { failed } = writeHistory();
    const result = await cli(["show", failed.runId]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        `run ${failed.runId}  nightly  failed at step copy`,
        "  trigger   schedule, for 2026-11-28T02:00:00+01:00",
        "  started   2026-11-28T02:00:00+01:00",
        "  duration  1 min 04 s",
        `  host      ${JSON.parse((await cli(["show", failed.runId, "--json"])).stdout).host}, pid ${process.pid}, nomaflow 0.1.0`,
        "  params    threshold_percent=50",
        "",
        "  ✓ sanity   python    850 ms",
        '      output: {"source_rows":1200}',
        "  ✗ copy     sql_copy  1 min 02 s  2 attempts: 1.2 s, 300 ms  1,200 rows  3.4 MB",
        '      error: relation "reporting.customers" does not exist',
        "  ↷ notify             skipped: an earlier step failed",
        "  ✓ cleanup  shell     40 ms",
        "  … archive            pending",
        "",
        "  ✉ failure alert sent to oncall",
        "",
        'error: step copy failed: relation "reporting.customers" does not exist',
        "",
      ].join("\n"),
    );
  });

  it("--json prints the RunSummary, outputs included; a unique prefix is enough", async () => {
    const { failed } = writeHistory();
    const result = await cli(["show", failed.runId.slice(0, 12), "--json"]);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ run_id: failed.runId, status: "failed", params: { threshold_percent: 50 } });
    expect(summary.steps.map((step: { status: string }) => step.status)).toEqual(["succeeded", "failed", "skipped", "succeeded", "pending"]);
    expect(summary.steps[0].output).toEqual({ source_rows: 1200 });
    expect(summary.alerts).toMatchObject([{ event: "alert_sent", channel: "oncall", kind: "on_failure" }]);
  });

  it("exits 2 with one line for an unknown run or an ambiguous prefix", async () => {
    writeHistory();
    const unknown = await cli(["show", "20991231"]);
    expect(unknown).toMatchObject({ code: 2, stdout: "", stderr: "nomaflow: error: no run 20991231 in runs/; see nomaflow runs\n" });
    const ambiguous = await cli(["show", "202611"]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(ambiguous.stderr).toContain("run id 202611 is ambiguous");
  });

  it("shows an abandoned run as such, and --follow exits 1 saying so", async () => {
    const pid = await exitedPid();
    const { runId } = writeSampleRun(runsDir, { pid, eventCount: 6 });
    const shown = await cli(["show", runId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`run ${runId}  nightly  abandoned at step copy`);
    expect(shown.stdout).toContain(`abandoned: the process (pid ${pid} on `);
    const followed = await cli(["show", runId, "--follow"]);
    expect(followed.code).toBe(1);
    expect(followed.stdout.trimEnd().split("\n")).toHaveLength(6);
    expect(followed.stderr).toMatch(
      new RegExp(`^nomaflow: run ${runId} abandoned: its process \\(pid ${pid} on .+\\) is gone and the log has no final event\\n$`),
    );
  });
});

describe("nomaflow show --follow on a live run", () => {
  /** Starts a run log, follows it with the real CLI while the rest of the events are written over ~1 s. */
  async function followLiveRun(final: "run_succeeded" | "run_failed") {
    const runId = newRunId();
    const writer = RunLogWriter.open(runsDir, "nightly", runId, (text) => text);
    const [started, ...rest] = sampleRunEvents({ final });
    writer.write(started!);
    let finalWritten = false;
    let exitedBeforeFinal = false;
    const child = cli(["show", runId, "--follow"]).then((result) => {
      exitedBeforeFinal = !finalWritten;
      return result;
    });
    for (const event of rest) {
      await sleep(70);
      writer.write(event);
      finalWritten = event.event === final;
    }
    writer.close();
    const result = await child;
    expect(exitedBeforeFinal).toBe(false);
    return { runId, result };
  }

  it("prints one line per event as they come and exits 0 after run_succeeded", async () => {
    const { runId, result } = await followLiveRun("run_succeeded");
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(sampleRunEvents({ final: "run_succeeded" }).length);
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d {2}/);
    const text = lines.map((line) => line.slice(10)).join("\n");
    expect(text).toContain(`▶ run ${runId} of nightly started: manual`);
    expect(text).toContain("▶ sanity started (python)");
    expect(text).toContain('✓ sanity succeeded in 850 ms  {"source_rows":1200}');
    expect(text).toContain("✗ copy attempt 1 failed after 1.2 s (retry in 1 min 00 s): connection reset");
    expect(text).toContain("▶ copy attempt 2 of 2 started (sql_copy)");
    expect(text).toContain("✗ copy failed after 2 attempts in 1 min 02 s");
    expect(text).toContain("↷ notify skipped: an earlier step failed");
    expect(lines.at(-1)!.slice(10)).toBe("✓ run succeeded in 1 min 04 s");
  });

  it("exits 1 after run_failed", async () => {
    const { result } = await followLiveRun("run_failed");
    expect(result.code).toBe(1);
    expect(result.stdout.trimEnd().split("\n").at(-1)!.slice(10)).toBe(
      '✗ run failed at step copy after 1 min 04 s: step copy failed: relation "reporting.customers" does not exist',
    );
  });
});

describe("nomaflow list", () => {
  it("--json fills last_run from the newest run of each job", async () => {
    const { failed } = writeHistory();
    const result = await cli(["list", "--json"]);
    expect(result.code).toBe(0);
    const [entry] = JSON.parse(result.stdout);
    expect(entry).toMatchObject({ id: "nightly", last_run: { run_id: failed.runId, status: "failed", started_at: "2026-11-28T01:00:00.123Z" } });
    const text = await cli(["list"]);
    expect(text.stdout).toContain("failed 2026-11-28T02:00:00+01:00");
  });

  it("--json has last_run null for a job that never ran", async () => {
    const [entry] = JSON.parse((await cli(["list", "--json"])).stdout);
    expect(entry.last_run).toBeNull();
  });
});
