/** `cron`, `next`, `list`, `--help` and `--version` through the real binary. */
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeProject, REPO_ROOT, runCli } from "../support/tempProject.js";

// A copy of the example project, so runs someone made in the repository do not show up here.
const example = makeProject({});
for (const entry of ["nomaflow.yaml", "jobs", "plugins"]) cpSync(join(REPO_ROOT, entry), join(example.root, entry), { recursive: true });
afterAll(() => example.remove());

describe("nomaflow cron", () => {
  it("prints the DESIGN 6 JSON for a spring-forward example", async () => {
    const result = await runCli(["cron", "0 2 * * *", "--tz", "Europe/Paris", "--from", "2027-03-27T12:00:00+01:00", "-n", "2", "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      cron: "0 2 * * *",
      timezone: "Europe/Paris",
      fires: ["2027-03-28T03:00:00+02:00", "2027-03-29T02:00:00+02:00"],
    });
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
      fires: ["2026-10-25T02:00:00+02:00", "2026-10-26T02:00:00+01:00", "2026-10-27T02:00:00+01:00"],
    });
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
