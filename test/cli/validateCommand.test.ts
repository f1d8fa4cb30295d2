/** The real `nomaflow validate` process: formats, exit codes, --require-env, file arguments. */
import { afterAll, describe, expect, it } from "vitest";
import { makeProject, MINIMAL_CONFIG, runCli } from "../support/tempProject.js";

const GOOD = `id: good
steps:
  - { name: ping, type: http, url: "https://example.invalid/\${env:PING_TOKEN}" }
`;
const BAD = `id: bad
steps:
  - name: copy
    type: sql_copy
    source: { connector: ops-db, tabel: customers }
    target: { connector: reporting-db, table: "customers, with comma" }
    mode: overwrite
`;
const project = makeProject({ "nomaflow.yaml": MINIMAL_CONFIG, "jobs/good.yaml": GOOD, "jobs/bad.yaml": BAD });
afterAll(() => project.remove());
const env = { PING_TOKEN: undefined };

describe("nomaflow validate", () => {
  it("prints the DESIGN 6 JSON shape and exits 1 on errors", async () => {
    const result = await runCli(["validate", "--format", "json"], { cwd: project.root, env });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report)).toEqual(["ok", "jobs", "diagnostics"]);
    expect(report.ok).toBe(false);
    expect(report.jobs).toEqual([
      { id: "bad", file: "jobs/bad.yaml", valid: false },
      { id: "good", file: "jobs/good.yaml", valid: true },
    ]);
    expect(report.diagnostics).toContainEqual({
      severity: "error",
      file: "jobs/bad.yaml",
      line: 5,
      column: 34,
      job: "bad",
      step: "copy",
      message: "unknown field `tabel` in `source`",
      hint: "did you mean `table`?",
    });
    expect(report.diagnostics).toContainEqual(
      expect.objectContaining({
        severity: "warning",
        file: "jobs/good.yaml",
        line: 3,
        job: "good",
        step: "ping",
        message: expect.stringContaining("PING_TOKEN is not set"),
      }),
    );
  });

  it("--json is the same as --format json", async () => {
    const a = await runCli(["validate", "--json"], { cwd: project.root, env });
    const b = await runCli(["validate", "--format", "json"], { cwd: project.root, env });
    expect(a.stdout).toBe(b.stdout);
  });

  it("prints text with file:line:column, the job and step, and a hint", async () => {
    const result = await runCli(["validate"], { cwd: project.root, env });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("jobs/bad.yaml:5:34: error: unknown field `tabel` in `source` [job bad, step copy]\n  hint: did you mean `table`?");
    expect(result.stdout).toContain("✗ bad   jobs/bad.yaml");
    expect(result.stdout).toContain("✓ good  jobs/good.yaml");
    expect(result.stdout).toMatch(/1 of 2 jobs valid · 1 error · 1 warning$/m);
    expect(result.stdout).not.toContain("\u001b["); // NO_COLOR
  });

  it("prints GitHub annotations with escaped properties", async () => {
    const result = await runCli(["validate", "--format", "github"], { cwd: project.root, env });
    expect(result.stdout).toContain(
      "::error file=jobs/bad.yaml,line=5,col=34,title=nomaflow validate::unknown field `tabel` in `source` [job bad, step copy] (did you mean `table`?)",
    );
    expect(result.stdout).toMatch(/^::warning file=jobs\/good.yaml,line=3,col=\d+,title=nomaflow validate::environment variable PING_TOKEN/m);
  });

  it("checks only the files given, and exits 0 when they are valid", async () => {
    const result = await runCli(["validate", "jobs/good.yaml"], { cwd: project.root, env: { PING_TOKEN: "t0ken" } });
    expect(result.stdout).toContain("1 of 1 job valid · 0 errors · 0 warnings");
    expect(result.code).toBe(0);
  });

  it("--require-env turns an unset variable into an error", async () => {
    const result = await runCli(["validate", "--require-env", "jobs/good.yaml"], { cwd: project.root, env });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/error: environment variable PING_TOKEN is not set/);
  });

  it("reads variables from the env file", async () => {
    const withEnv = makeProject({ "nomaflow.yaml": MINIMAL_CONFIG, "jobs/good.yaml": GOOD, ".env": "PING_TOKEN=from-file\n" });
    try {
      const result = await runCli(["validate", "--require-env"], { cwd: withEnv.root, env });
      expect(result.code).toBe(0);
    } finally {
      withEnv.remove();
    }
  });

  it("says the jobs could not be fully checked when nomaflow.yaml does not parse, and exits 1", async () => {
    const broken = makeProject({ "nomaflow.yaml": 'connectors:\n  ops-db: { url: "postgres://h/db }\n', "jobs/good.yaml": GOOD, "jobs/bad.yaml": BAD });
    try {
      const text = await runCli(["validate"], { cwd: broken.root, env: { PING_TOKEN: "t0ken" } });
      expect(text.code).toBe(1);
      expect(text.stdout).toContain("? good  jobs/good.yaml");
      expect(text.stdout).toContain("✗ bad   jobs/bad.yaml");
      expect(text.stdout).toMatch(/^2 jobs not fully checked: nomaflow\.yaml does not parse \(1 job without errors of its own\) · \d+ errors? · 0 warnings$/m);
      expect(text.stdout).not.toMatch(/jobs? valid/);
      const json = JSON.parse((await runCli(["validate", "--json"], { cwd: broken.root, env: { PING_TOKEN: "t0ken" } })).stdout);
      expect(json.ok).toBe(false);
      expect(json.jobs).toEqual([
        { id: "bad", file: "jobs/bad.yaml", valid: false },
        { id: "good", file: "jobs/good.yaml", valid: null },
      ]);
    } finally {
      broken.remove();
    }
  });

  it("exits 2 for a file that is not a job of the project, and for a bad --format", async () => {
    const missing = await runCli(["validate", "jobs/nope.yaml"], { cwd: project.root, env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("jobs/nope.yaml is not a job file of this project");
    const format = await runCli(["validate", "--format", "xml"], { cwd: project.root, env });
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("Allowed choices are text, json, github");
  });

  it("exits 2 outside a project, with one line and a hint, no stack trace", async () => {
    const empty = makeProject({ "README.md": "not a project" });
    try {
      const result = await runCli(["validate", "-C", empty.root], { cwd: empty.root });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`nomaflow: error: no nomaflow.yaml in ${empty.root}\n  hint: pass -C with the folder that holds nomaflow.yaml\n`);
    } finally {
      empty.remove();
    }
  });

  it("checks a run's date references: an unknown format is an error at its line and column naming the known ones; an interval without a schedule a warning", async () => {
    const dated = makeProject({
      "nomaflow.yaml": "runs_dir: runs\n",
      "jobs/dated.yaml": `id: dated
schedule: { cron: "0 2 * * *", timezone: UTC }
steps:
  - name: load
    type: shell
    command: "echo \${run.interval_start:date} \${run.scheduled_for:month}"
    rerun_on_resume: yes
`,
      "jobs/manual.yaml": `id: manual
steps:
  - { name: load, type: shell, command: "echo \${run.interval_end:utc}" }
`,
    });
    try {
      const result = await runCli(["validate", "--json"], { cwd: dated.root });
      expect(result.code).toBe(1);
      const { diagnostics } = JSON.parse(result.stdout) as { diagnostics: Record<string, unknown>[] };
      expect(diagnostics).toContainEqual({
        severity: "error",
        file: "jobs/dated.yaml",
        line: 6,
        column: 47,
        job: "dated",
        step: "load",
        message:
          "${run.scheduled_for:month}: unknown format :month; the formats are :date (2026-12-06, the day in the job's time zone), :utc (2026-12-06T01:00:00+00:00, the instant in UTC)",
        hint: "references are ${env:NAME}, ${env:NAME:-default}, ${params.NAME}, ${job.id}, ${run.id}, ${run.scheduled_for}, ${run.interval_start}, ${run.interval_end} (each of the three may end in :date or :utc), ${steps.STEP.output.KEY}",
      });
      expect(diagnostics).toContainEqual(
        expect.objectContaining({
          file: "jobs/dated.yaml",
          line: 7,
          step: "load",
          message: expect.stringContaining("`rerun_on_resume` must be true or false"),
        }),
      );
      expect(diagnostics).toContainEqual({
        severity: "warning",
        file: "jobs/manual.yaml",
        line: 3,
        column: 47,
        job: "manual",
        step: "load",
        message:
          "${run.interval_end:utc}: the job has no schedule, so its runs have no interval: interval_start and interval_end are the run's start, as scheduled_for is",
        hint: "give the job a schedule, or use ${run.scheduled_for}",
      });
      expect(diagnostics).toHaveLength(3);
    } finally {
      dated.remove();
    }
  });
});
