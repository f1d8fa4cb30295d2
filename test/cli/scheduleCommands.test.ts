/** `cron`, `next`, `list`, `--help` and `--version` through the real binary. */
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeProject, MINIMAL_CONFIG, REPO_ROOT, runCli } from "../support/tempProject.js";

// A copy of the example project, so runs someone made in the repository do not show up here.
const example = makeProject({});
for (const entry of ["nomaflow.yaml", "jobs", "plugins"]) cpSync(join(REPO_ROOT, entry), join(example.root, entry), { recursive: true });
afterAll(() => example.remove());

describe("nomaflow cron", () => {
  it("prints the DESIGN 6 JSON for a spring-forward example, with the schedule in words", async () => {
    const result = await runCli(["cron", "0 2 * * *", "--tz", "Europe/Paris", "--from", "2027-03-27T12:00:00+01:00", "-n", "2", "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      cron: "0 2 * * *",
      timezone: "Europe/Paris",
      words: "At 02:00, every day",
      fires: ["2027-03-28T03:00:00+02:00", "2027-03-29T02:00:00+02:00"],
    });
  });

  it("says the schedule in words on the title line", async () => {
    const result = await runCli(["cron", "*/15 9-17 * * MON-FRI", "--from", "2026-11-27T16:50:00Z", "-n", "2"]);
    expect(result.stdout).toBe(
      "*/15 9-17 * * MON-FRI in UTC (every 15 minutes from 09:00 to 17:45, Monday to Friday):\n  2026-11-27T17:00:00+00:00  Fri\n  2026-11-27T17:15:00+00:00  Fri\n",
    );
  });

  it("reads --from without an offset in --tz, and writes UTC as +00:00", async () => {
    const paris = await runCli(["cron", "30 * * * *", "--tz", "Europe/Paris", "--from", "2026-10-25T01:45", "-n", "3", "--json"]);
    expect(JSON.parse(paris.stdout).fires).toEqual(["2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00", "2026-10-25T03:30:00+01:00"]);
    const utc = await runCli(["cron", "0 9 1-7 * 1", "--from", "2026-11-28T00:00:00+00:00", "-n", "3", "--json"]);
    expect(JSON.parse(utc.stdout).fires).toEqual(["2026-11-30T09:00:00+00:00", "2026-12-01T09:00:00+00:00", "2026-12-02T09:00:00+00:00"]);
  });

  it("exits 2 on a bad expression, pointing at the bad field", async () => {
    const result = await runCli(["cron", "0 61 * * *"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^nomaflow: error: cron "0 61 \* \* \*": hour field/);
    expect(result.stderr).toContain("  hint: 0 61 * * *\n          ^");
  });

  it("exits 2 on an unknown zone with a suggestion, and on a bad --from", async () => {
    const zone = await runCli(["cron", "0 2 * * *", "--tz", "Europe/Pariss"]);
    expect(zone.code).toBe(2);
    expect(zone.stderr).toContain("did you mean Europe/Paris?");
    const from = await runCli(["cron", "0 2 * * *", "--from", "yesterday"]);
    expect(from.code).toBe(2);
    expect(from.stderr).toContain('--from "yesterday" is not an ISO 8601 date-time');
  });
});

describe("nomaflow next and list on the example project", () => {
  it("next prints the job's fires in its zone", async () => {
    const result = await runCli(["next", "reporting-nightly-sync", "--from", "2026-10-24T12:00:00+02:00", "-n", "3", "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      cron: "0 2 * * *",
      timezone: "Europe/Paris",
      words: "At 02:00, every day",
      fires: ["2026-10-25T02:00:00+02:00", "2026-10-26T02:00:00+01:00", "2026-10-27T02:00:00+01:00"],
    });
    const text = await runCli(["next", "reporting-nightly-sync", "--from", "2026-10-24T12:00:00+02:00", "-n", "1"]);
    expect(text.stdout).toBe("reporting-nightly-sync: 0 2 * * * in Europe/Paris (at 02:00, every day)\n  2026-10-25T02:00:00+02:00  Sun\n");
  });

  it("next exits 2 for an unknown job, naming the known ones", async () => {
    const result = await runCli(["next", "nope"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no job nope in this project");
    expect(result.stderr).toContain("jobs: reporting-nightly-sync");
  });

  it("list --json describes each job", async () => {
    const result = await runCli(["list", "--json"], { cwd: example.root });
    expect(result.code).toBe(0);
    const [entry] = JSON.parse(result.stdout);
    expect(entry).toMatchObject({
      id: "reporting-nightly-sync",
      valid: true,
      enabled: true,
      tags: ["etl", "nightly", "reporting"],
      schedule: "0 2 * * *",
      timezone: "Europe/Paris",
      last_run: null,
    });
    expect(entry.next_fire).toMatch(/^\d{4}-\d\d-\d\dT02:00:00\+0[12]:00$/);
  });

  it("list --tag filters", async () => {
    expect(JSON.parse((await runCli(["list", "--tag", "nightly", "--json"], { cwd: example.root })).stdout)).toHaveLength(1);
    expect(JSON.parse((await runCli(["list", "--tag", "weekly", "--json"], { cwd: example.root })).stdout)).toHaveLength(0);
  });
});

describe("nomaflow --help and --version", () => {
  it("--version prints the package version", async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
    const result = await runCli(["--version"]);
    expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("--help lists the commands and the exit codes", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    for (const command of ["validate", "list", "next", "cron"]) expect(result.stdout).toContain(command);
    expect(result.stdout).toContain("Exit status: 0 success, 1 a job or validation failed, 2 usage or configuration error");
  });

  it("an unknown command exits 2 with a suggestion", async () => {
    const result = await runCli(["validat"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("(Did you mean validate?)");
  });
});

describe("cron syntax and calendar edges through the binary", () => {
  const shellJob = (id: string, cron: string) =>
    `id: ${id}\nschedule: { cron: "${cron}", timezone: UTC }\nsteps:\n  - { name: a, type: shell, command: "true" }\n`;
  const spread = makeProject({
    "nomaflow.yaml": MINIMAL_CONFIG,
    "jobs/orders-hourly.yaml": shellJob("orders-hourly", "H 2 * * *"),
    "jobs/billing-sync.yaml": shellJob("billing-sync", "H 2 * * *"),
    "jobs/every-day.yaml": shellJob("every-day", "0 3 * * MON-SUN"),
    "jobs/paused.yaml": `${shellJob("paused", "0 6 L * *")}enabled: false\n`,
  });
  afterAll(() => spread.remove());
  const from = "2026-11-28T12:00:00+00:00";

  it("cron with H needs --seed; with it, the fires are those of next for the job of that id", async () => {
    const unseeded = await runCli(["cron", "H 2 * * *", "--from", from]);
    expect(unseeded.code).toBe(2);
    expect(unseeded.stderr).toContain("minute field `H` needs the job's id to pick its value, and none was given (`nomaflow cron` takes `--seed JOB_ID`)");
    const minutes = new Set<string>();
    for (const id of ["orders-hourly", "billing-sync"]) {
      const seeded = await runCli(["cron", "H 2 * * *", "--seed", id, "--from", from, "-n", "2", "--json"]);
      const next = await runCli(["next", id, "-C", spread.root, "--from", from, "-n", "2", "--json"]);
      expect(next.code, next.stderr).toBe(0);
      expect(JSON.parse(next.stdout).fires).toEqual(JSON.parse(seeded.stdout).fires);
      minutes.add(JSON.parse(next.stdout).fires[0]);
    }
    // Two jobs on one H expression: each keeps its own minute (validate's memo must not share it).
    expect(minutes.size).toBe(2);
  });

  it("next on a disabled job says so beside the words", async () => {
    const result = await runCli(["next", "paused", "-C", spread.root, "--from", from, "-n", "1"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      "paused: 0 6 L * * in UTC (at 06:00 on the last day of the month; disabled: the daemon does not fire it)\n  2026-11-30T06:00:00+00:00  Mon\n",
    );
  });

  it("MON-SUN validates and fires every day", async () => {
    const result = await runCli(["next", "every-day", "-C", spread.root, "--from", from, "-n", "3", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).fires).toEqual(["2026-11-29T03:00:00+00:00", "2026-11-30T03:00:00+00:00", "2026-12-01T03:00:00+00:00"]);
  });

  it("asking for fires past year 9999 exits 2 instead of printing invalid dates", async () => {
    const last = await runCli(["cron", "0 0 1 1 *", "--from", "9998-06-01T00:00:00Z", "-n", "1"]);
    expect(last.stdout).toBe("0 0 1 1 * in UTC (at 00:00 on the 1st of January):\n  9999-01-01T00:00:00+00:00  Fri\n");
    const beyond = await runCli(["cron", "0 0 1 1 *", "--from", "9998-06-01T00:00:00Z", "-n", "3"]);
    expect(beyond.code).toBe(2);
    expect(beyond.stdout).toBe("");
    expect(beyond.stderr).toContain("0 0 1 1 * in UTC: fire times are computed up to the end of year 9999; 3 were asked for and only 1 come before it");
  });

  it("a --from outside years 1-9999 exits 2 naming the year", async () => {
    for (const [text, year] of [
      ["0000-06-01T00:00:00Z", 0],
      ["+010000-01-01T00:00:00Z", 10000],
    ] as const) {
      const result = await runCli(["cron", "0 0 * * *", "--from", text]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--from "${text}" lies in year ${year} in UTC; fire times are computed for years 1 to 9999`);
    }
  });

  it("local mean time is printed to the second, with the right weekday", async () => {
    const result = await runCli(["cron", "0 2 * * *", "--tz", "Europe/Paris", "--from", "1900-01-01T00:00:00Z", "-n", "1"]);
    expect(result.stdout).toBe("0 2 * * * in Europe/Paris (at 02:00, every day):\n  1900-01-01T02:00:00+00:09:21  Mon\n");
  });

  it("a --from without offset inside a spring-forward gap is read with the offset before the jump", async () => {
    // 02:30 does not exist in Paris on 2027-03-28; read at +01:00 it is the instant 03:30+02:00.
    const result = await runCli(["cron", "0 * * * *", "--tz", "Europe/Paris", "--from", "2027-03-28T02:30", "-n", "2", "--json"]);
    expect(JSON.parse(result.stdout).fires).toEqual(["2027-03-28T04:00:00+02:00", "2027-03-28T05:00:00+02:00"]);
  });
});
