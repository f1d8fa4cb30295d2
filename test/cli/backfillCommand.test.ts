/**
 * The real `nomaflow backfill` process: a week of a daily job in Europe/Paris across the fall-back
 * change, with the exact logical dates in the run logs and as a step renders them; interrupted by
 * SIGINT mid-way and gone on with the command it prints; N at a time; --dry-run; fire times that
 * already succeeded skipped; failures; and `concurrency: forbid` against another run of the job.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readRunLog, summarizeRun, type RunSummary } from "../../src/run-logs/readRunLog.js";
import type { RunStartedEvent } from "../../src/run-logs/runEvents.js";
import { splitWords } from "../readme/exampleCommands.js";
import { startDaemon } from "../daemon/daemonProcess.js";
import { eventually } from "../support/processState.js";
import { BIN, makeProject, runCli } from "../support/tempProject.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function project(job: string, extra: Record<string, string> = {}): string {
  const made = makeProject({ "nomaflow.yaml": "runs_dir: runs\n", "jobs/daily.yaml": `id: daily\n${job}`, ...extra });
  cleanups.push(made.remove);
  return made.root;
}

interface LoggedRun {
  started: RunStartedEvent;
  summary: RunSummary;
}

/** Every run of the job, oldest first. */
function runsOf(root: string, jobId = "daily"): LoggedRun[] {
  const folder = join(root, "runs", jobId);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((file) => file.endsWith(".ndjson"))
    .sort()
    .map((file) => {
      const { events } = readRunLog(join(folder, file));
      return { started: events[0] as RunStartedEvent, summary: summarizeRun(events) };
    });
}

/** The backfill as a child process, for the tests that interrupt it. */
function spawnCli(args: string[], cwd: string) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined } });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { child, output, exit };
}

const WEEK = ["2026-10-22", "2026-10-23", "2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27", "2026-10-28"];
/** `30 2 * * *` in Paris: summer time until the night of the 25th, whose 02:30 comes twice and fires at its first pass. */
const SCHEDULED = WEEK.map((day, index) => `${day}T02:30:00${index < 4 ? "+02:00" : "+01:00"}`);
const INTERVAL_STARTS = ["2026-10-21T02:30:00+02:00", ...SCHEDULED.slice(0, -1)];
const UTC = WEEK.map((day, index) => `${day}T0${index < 4 ? 0 : 1}:30:00+00:00`);

const RENDERING_STEP = `  - name: dates
    type: shell
    command: "echo for=\${run.scheduled_for} from=\${run.interval_start} to=\${run.interval_end} day=\${run.scheduled_for:date} utc=\${run.scheduled_for:utc} start_utc=\${run.interval_start:utc}"
`;

describe("nomaflow backfill", () => {
  it("runs a week of a daily job across the fall-back change, is interrupted mid-way, and goes on with the command it prints", async () => {
    // The fourth day (the change) sleeps the first time, long enough to be interrupted.
    const root = project(`schedule: { cron: "30 2 * * *", timezone: Europe/Paris }
steps:
${RENDERING_STEP}  - name: slow
    type: shell
    command: "if [ \${run.scheduled_for:date} = 2026-10-25 ] && [ ! -f slept ]; then touch slept; sleep 30; fi"
`);
    const first = spawnCli(["backfill", "daily", "--from", "2026-10-22", "--to", "2026-10-28"], root);
    expect(await eventually(() => existsSync(join(root, "slept")), 30_000)).toBe(true);
    first.child.kill("SIGINT");
    expect(await first.exit).toBe(130);
    const printed = first.output.stdout.split("\n");
    expect(printed[0]).toBe("backfill daily: 30 2 * * * in Europe/Paris, 7 fire times from 2026-10-22T02:30:00+02:00 to 2026-10-28T02:30:00+01:00: 7 to run");
    expect(printed.filter((line) => line.includes("✓"))).toEqual(
      SCHEDULED.slice(0, 3).map((at, index) => expect.stringContaining(`[${index + 1}/7] ✓ ${at}  succeeded in`)),
    );
    expect(printed).toContainEqual(
      expect.stringMatching(/^\[4\/7\] ■ 2026-10-25T02:30:00\+02:00 {2}interrupted at step slow after .*: step slow failed: interrupted$/),
    );
    expect(printed).toContain("backfill daily: 3 succeeded, 1 interrupted, 3 not run");
    expect(printed).toContain("interrupted; to go on (fire times that succeeded are skipped):");
    const goOn = printed[printed.indexOf("interrupted; to go on (fire times that succeeded are skipped):") + 1]!.trim();
    expect(goOn).toBe("nomaflow backfill daily --from 2026-10-25T02:30:00+02:00 --to 2026-10-28");
    expect(first.output.stderr).toContain("SIGINT: interrupting the runs going and starting no more");
    expect(runsOf(root).map((run) => run.summary.status)).toEqual(["succeeded", "succeeded", "succeeded", "interrupted"]);

    const [, ...words] = splitWords(goOn);
    const second = await runCli(words, { cwd: root });
    expect(second.code).toBe(0);
    expect(second.stdout.split("\n").slice(0, 1)).toEqual([
      "backfill daily: 30 2 * * * in Europe/Paris, 4 fire times from 2026-10-25T02:30:00+02:00 to 2026-10-28T02:30:00+01:00: 4 to run",
    ]);
    expect(second.stdout).toContain("backfill daily: 4 succeeded");

    // Each logical date has exactly one succeeded run: the finished ones were not run again.
    const runs = runsOf(root);
    expect(runs).toHaveLength(8);
    const succeeded = runs.filter((run) => run.summary.status === "succeeded");
    expect(succeeded.map((run) => run.started.scheduled_for)).toEqual(SCHEDULED);
    expect(succeeded.map((run) => run.started.interval_start)).toEqual(INTERVAL_STARTS);
    expect(succeeded.map((run) => run.started.interval_end)).toEqual(SCHEDULED);
    expect(runs.every((run) => run.started.trigger === "backfill")).toBe(true);
    expect(succeeded.map((run) => (run.summary.steps[0]!.output as { stdout: string }).stdout)).toEqual(
      WEEK.map((day, index) =>
        [
          `for=${SCHEDULED[index]}`,
          `from=${INTERVAL_STARTS[index]}`,
          `to=${SCHEDULED[index]}`,
          `day=${day}`,
          `utc=${UTC[index]}`,
          `start_utc=${index === 0 ? "2026-10-21T00:30:00+00:00" : UTC[index - 1]}`,
        ].join(" "),
      ),
    );
    // The night of the change closes a 25-hour interval.
    const change = succeeded[4]!.started;
    expect(Date.parse(change.interval_end!) - Date.parse(change.interval_start!)).toBe(25 * 3600_000);
  }, 90_000);

  it("runs N at a time with --parallel, starting them in fire order", async () => {
    const root = project(`schedule: { cron: "0 6 * * *", timezone: UTC }
concurrency: allow
steps:
  - { name: work, type: shell, command: "sleep 1" }
`);
    const result = await runCli(["backfill", "daily", "--from", "2027-01-01", "--to", "2027-01-07", "--parallel", "3"], { cwd: root });
    expect(result.code).toBe(0);
    const started = result.stdout.split("\n").filter((line) => line.includes("▶"));
    expect(started.map((line) => line.slice(0, 5))).toEqual(["[1/7]", "[2/7]", "[3/7]", "[4/7]", "[5/7]", "[6/7]", "[7/7]"]);
    expect(result.stdout).toContain("backfill daily: 7 succeeded");
    // At most three at once, and three at once at some point: from the logs' own times.
    const spans = runsOf(root).map((run) => [Date.parse(run.summary.started_at!), Date.parse(run.summary.ended_at!)] as const);
    const overlap = (at: number) => spans.filter(([from, to]) => from <= at && at < to).length;
    const most = Math.max(...spans.map(([from]) => overlap(from)));
    expect(most).toBe(3);
    expect(
      runsOf(root)
        .map((run) => run.started.scheduled_for)
        .sort(),
    ).toEqual(["01", "02", "03", "04", "05", "06", "07"].map((day) => `2027-01-${day}T06:00:00+00:00`));
  }, 60_000);

  it("lists the fire times with --dry-run, skips the ones that succeeded, and runs them again with --rerun", async () => {
    const root = project(`schedule: { cron: "0 6 * * 1-5", timezone: UTC }
steps:
  - { name: work, type: shell, command: "echo \${run.scheduled_for:date}" }
`);
    // A manual run for one of the fire times counts as done for it, as the backfill's own do.
    expect((await runCli(["run", "daily", "--for", "2027-01-05"], { cwd: root })).code).toBe(0);
    const [manual] = runsOf(root);
    expect(manual!.started).toMatchObject({ trigger: "manual", scheduled_for: "2027-01-05T06:00:00+00:00", interval_start: "2027-01-04T06:00:00+00:00" });

    const dry = await runCli(["backfill", "daily", "--from", "2027-01-01T00:00:00+00:00", "--to", "2027-01-06", "--dry-run"], { cwd: root });
    expect(dry.code).toBe(0);
    expect(dry.stdout.split("\n")).toEqual([
      "backfill daily: 0 6 * * 1-5 in UTC, 4 fire times from 2027-01-01T06:00:00+00:00 to 2027-01-06T06:00:00+00:00: 3 to run, 1 already succeeded",
      "[1/4] ▶ 2027-01-01T06:00:00+00:00  would run",
      "[2/4] ▶ 2027-01-04T06:00:00+00:00  would run",
      `[3/4] ↷ 2027-01-05T06:00:00+00:00  already succeeded in run ${manual!.summary.run_id}`,
      "[4/4] ▶ 2027-01-06T06:00:00+00:00  would run",
      "",
    ]);
    expect(runsOf(root)).toHaveLength(1);
    const dryJson = JSON.parse(
      (await runCli(["backfill", "daily", "--from", "2027-01-05", "--to", "2027-01-05", "--dry-run", "--json"], { cwd: root })).stdout,
    );
    expect(dryJson).toEqual({
      job: "daily",
      cron: "0 6 * * 1-5",
      timezone: "UTC",
      fires: [
        {
          scheduled_for: "2027-01-05T06:00:00+00:00",
          interval_start: "2027-01-04T06:00:00+00:00",
          interval_end: "2027-01-05T06:00:00+00:00",
          action: "skip",
          succeeded_run: manual!.summary.run_id,
        },
      ],
    });

    const real = await runCli(["backfill", "daily", "--from", "2027-01-01", "--to", "2027-01-06"], { cwd: root });
    expect(real.code).toBe(0);
    expect(real.stdout).toContain(`[3/4] ↷ 2027-01-05T06:00:00+00:00  already succeeded in run ${manual!.summary.run_id}`);
    expect(real.stdout).toContain("backfill daily: 3 succeeded, 1 skipped (already succeeded)");
    expect(runsOf(root)).toHaveLength(4);

    const again = await runCli(["backfill", "daily", "--from", "2027-01-01", "--to", "2027-01-06", "--json"], { cwd: root });
    expect(again.code).toBe(0);
    const report = JSON.parse(again.stdout) as { fires: { status: string }[]; go_on: string | null };
    expect(report.fires.map((fire) => fire.status)).toEqual(["skipped", "skipped", "skipped", "skipped"]);
    expect(report.go_on).toBeNull();
    expect(runsOf(root)).toHaveLength(4);

    const rerun = await runCli(["backfill", "daily", "--from", "2027-01-04", "--to", "2027-01-05", "--rerun"], { cwd: root });
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain("backfill daily: 2 succeeded");
    expect(runsOf(root)).toHaveLength(6);
  }, 60_000);

  it("stops at the first failure, goes on past it with --continue-on-failure, and says what to run again", async () => {
    const root = project(`schedule: { cron: "0 6 * * *", timezone: UTC }
steps:
  - { name: load, type: shell, command: "test \${run.scheduled_for:date} != 2027-01-02 || { echo no data >&2; exit 3; }" }
`);
    const stopped = await runCli(["backfill", "daily", "--from", "2027-01-01", "--to", "2027-01-04"], { cwd: root });
    expect(stopped.code).toBe(1);
    const lines = stopped.stdout.split("\n");
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[2\/4\] ✗ 2027-01-02T06:00:00\+00:00 {2}failed at step load after .*: step load failed: command exited with code 3/),
    );
    expect(lines).toContain("backfill daily: 1 succeeded, 1 failed, 2 not run");
    expect(lines).toContain("stopped at the first failure (--continue-on-failure goes on past failures); to go on once it is fixed:");
    expect(lines).toContain("  nomaflow backfill daily --from 2027-01-02T06:00:00+00:00 --to 2027-01-04");

    const onward = await runCli(["backfill", "daily", "--from", "2027-01-01", "--to", "2027-01-04", "--continue-on-failure", "-p", "x=1"], { cwd: root });
    expect(onward.code).toBe(2);
    expect(onward.stderr).toContain("unknown parameter x for job daily");
    const past = await runCli(["backfill", "daily", "--from", "2027-01-01", "--to", "2027-01-04", "--continue-on-failure"], { cwd: root });
    expect(past.code).toBe(1);
    expect(past.stdout).toContain("backfill daily: 2 succeeded, 1 failed, 1 skipped (already succeeded)");
    expect(past.stdout).toContain(
      "to run the ones that did not succeed again:\n  nomaflow backfill daily --from 2027-01-02T06:00:00+00:00 --to 2027-01-04 --continue-on-failure",
    );
  }, 60_000);

  it("refuses what it cannot do: no schedule, a reversed range, --parallel on a forbid job", async () => {
    const root = project(
      `schedule: { cron: "0 6 * * *", timezone: UTC }
steps:
  - { name: work, type: shell, command: "true" }
`,
      { "jobs/manual.yaml": 'id: manual\nsteps:\n  - { name: work, type: shell, command: "true" }\n' },
    );
    const noSchedule = await runCli(["backfill", "manual", "--from", "2027-01-01", "--to", "2027-01-02"], { cwd: root });
    expect(noSchedule).toMatchObject({ code: 2 });
    expect(noSchedule.stderr).toContain("job manual has no schedule, so it has no fire times to backfill");
    const reversed = await runCli(["backfill", "daily", "--from", "2027-01-05", "--to", "2027-01-02T00:00"], { cwd: root });
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain("--to 2027-01-02T00:00:00+00:00 is before --from 2027-01-05T00:00:00+00:00");
    const parallel = await runCli(["backfill", "daily", "--from", "2027-01-01", "--to", "2027-01-02", "--parallel", "2"], { cwd: root });
    expect(parallel.code).toBe(2);
    expect(parallel.stderr).toContain("job daily has concurrency: forbid, so its runs never overlap: --parallel 2 cannot run them side by side");
    expect(parallel.stderr).toContain("hint: set concurrency: allow in jobs/daily.yaml to backfill 2 at a time");
    expect(runsOf(root)).toEqual([]);
  }, 30_000);

  it("waits under concurrency: forbid while another run of the job goes, and holds the job against the daemon meanwhile", async () => {
    const root = project(`schedule: { cron: "0 6 * * *", timezone: UTC }
steps:
  - name: work
    type: shell
    command: "if [ -f hold ]; then rm hold; touch holding; while [ ! -f release ]; do sleep 0.05; done; fi; test ! -f backfilling || touch overlapped; touch backfilling; sleep 0.3; rm backfilling"
`);
    writeFileSync(join(root, "hold"), "");
    const manual = spawnCli(["run", "daily"], root);
    expect(await eventually(() => existsSync(join(root, "holding")), 20_000)).toBe(true);
    const backfill = spawnCli(["backfill", "daily", "--from", "2027-01-01", "--to", "2027-01-02"], root);
    expect(await eventually(() => backfill.output.stderr.includes("waits for run"), 20_000)).toBe(true);
    const [manualRun] = runsOf(root);
    expect(backfill.output.stderr).toContain(
      `[1/2] … 2027-01-01T06:00:00+00:00  waits for run ${manualRun!.summary.run_id} of daily to end (concurrency: forbid)`,
    );
    expect(runsOf(root)).toHaveLength(1);
    writeFileSync(join(root, "release"), "");
    expect(await manual.exit).toBe(0);
    // While a backfill run goes its lock names it, as the daemon reads it before a forbid fire.
    const lockPath = join(root, "runs", "daily", ".backfill.lock");
    expect(await eventually(() => existsSync(lockPath), 20_000)).toBe(true);
    const held = JSON.parse(readFileSync(lockPath, "utf8")) as { run_id: string; pid: number };
    expect(held.pid).toBe(backfill.child.pid);
    expect(await backfill.exit).toBe(0);
    expect(existsSync(lockPath)).toBe(false);
    expect(existsSync(join(root, "overlapped"))).toBe(false);
    const runs = runsOf(root);
    expect(runs.map((run) => [run.started.trigger, run.summary.status])).toEqual([
      ["manual", "succeeded"],
      ["backfill", "succeeded"],
      ["backfill", "succeeded"],
    ]);
    expect(runs.map((run) => run.summary.run_id)).toContain(held.run_id);
    // The backfill's runs started after the manual one ended.
    expect(Date.parse(runs[1]!.summary.started_at!)).toBeGreaterThanOrEqual(Date.parse(runs[0]!.summary.ended_at!));
  }, 60_000);

  it("with a daemon firing the job every second, neither starts a run while the other's goes", async () => {
    // Backfill runs (for 2027) take 2 s; the daemon's own (for today) are quick.
    const root = project(`schedule: { cron: "* * * * * *", timezone: UTC }
concurrency: forbid
steps:
  - { name: work, type: shell, command: "case \${run.scheduled_for:date} in 2027-*) sleep 2;; esac" }
`);
    const daemon = startDaemon(root);
    cleanups.push(async () => {
      daemon.child.kill("SIGTERM");
      await daemon.exited;
    });
    await daemon.waitFor((line) => line.event === "fired", 15_000);
    const backfill = await runCli(["backfill", "daily", "--from", "2027-01-01T00:00:00", "--to", "2027-01-01T00:00:01"], { cwd: root });
    expect(backfill.code).toBe(0);
    expect(backfill.stdout).toContain("backfill daily: 2 succeeded");
    const backfillRuns = runsOf(root).filter((run) => run.started.trigger === "backfill");
    expect(backfillRuns.map((run) => run.started.scheduled_for)).toEqual(["2027-01-01T00:00:00+00:00", "2027-01-01T00:00:01+00:00"]);
    // The daemon skipped its fires while a backfill run went, naming it.
    const skippedFor = new Set(daemon.events("skipped", "daily").map((line) => line.running));
    expect(backfillRuns.every((run) => skippedFor.has(run.summary.run_id))).toBe(true);
    daemon.child.kill("SIGTERM");
    expect((await daemon.exited).code).toBe(0);
    const spans = runsOf(root).map((run) => ({ trigger: run.started.trigger, from: Date.parse(run.started.ts), to: Date.parse(run.summary.ended_at!) }));
    for (const mine of spans.filter((span) => span.trigger === "backfill")) {
      expect(spans.filter((span) => span !== mine && span.from < mine.to && mine.from < span.to)).toEqual([]);
    }
  }, 60_000);
});
