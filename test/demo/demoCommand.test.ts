/**
 * `nomaflow demo` through the built binary, on a copy of the repository's example project, with
 * none of the recipe's variables (nor libpq's) set: the embedded databases are seeded on the first
 * run only, the python guard, both copies and the Slack message run for real, and a failing run
 * shows the failure alert Slack would have received. Small sizes (--customers) keep it quick.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../support/tempProject.js";

const project = mkdtempSync(join(tmpdir(), "nomaflow-demo-"));
for (const part of ["nomaflow.yaml", "jobs", "plugins", ".env.example"]) cpSync(join(REPO_ROOT, part), join(project, part), { recursive: true });
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** Everything that could point the connectors elsewhere is unset. */
const CLEAN_ENV: Record<string, string | undefined> = Object.fromEntries(
  [
    ...Object.keys(process.env).filter((name) => /^PG[A-Z]+$/.test(name)),
    "DATABASE_URL",
    "OPS_DB_URL",
    "REPORTING_DB_URL",
    "SLACK_WEBHOOK_URL",
    "NOMAFLOW_RUNS_DIR",
    "NOMAFLOW_PYTHON",
  ].map((name) => [name, undefined]),
);

const demo = (args: string[] = [], env: Record<string, string | undefined> = {}) =>
  runCli(["demo", "--customers", "40", ...args], { cwd: project, env: { ...CLEAN_ENV, ...env } });

/** The part of the output after a heading line. */
function section(stdout: string, heading: string): string {
  const start = stdout.indexOf(heading);
  return start < 0 ? "" : stdout.slice(start);
}

describe("nomaflow demo", () => {
  it("seeds the embedded databases and runs the example job for real, then shows the timeline, Slack's message and what to do next", async () => {
    const result = await demo();
    expect(result.stderr).toBe("");
    expect(result.code, result.stdout).toBe(0);
    const { stdout } = result;
    expect(stdout).toContain("nomaflow demo: reporting-nightly-sync");
    expect(stdout).toMatch(/ops-db +embedded PostgreSQL \(PGlite\) in \.nomaflow\/demo\/ops-db +OPS_DB_URL/);
    expect(stdout).toContain("seeding the demo databases (first run only)…");
    expect(stdout).toMatch(/created +two empty databases/);
    expect(stdout).toMatch(/ops-db +public\.customers and public\.orders: 40 customers, 200 orders/);
    expect(stdout).toMatch(/reporting-db +last night's copy in schema reporting: 39 customers, 198 orders/);
    expect(stdout).toMatch(/seeded +in [\d.]+ s/);
    // The run, as `nomaflow run` prints it without a terminal: the guard saw both databases.
    expect(stdout).toContain("sanity info: source=40 · target=39 · delta=2.6%");
    expect(stdout).toContain("✓ run succeeded");

    const timeline = section(stdout, "the run's timeline");
    expect(timeline).toMatch(/^run \d{8}T\d{9}Z-[a-z0-9]+ {2}reporting-nightly-sync {2}succeeded$/m);
    expect(timeline).toMatch(/✓ sanity +python/);
    expect(timeline).toMatch(/✓ copy-customers +sql_copy .* 40 rows/);
    expect(timeline).toMatch(/✓ copy-orders +sql_copy .* 200 rows/);
    expect(timeline).toMatch(/✓ notify-slack +http/);

    const slack = section(stdout, "Slack would have received:");
    expect(slack).toContain('"text": "✅ reporting-nightly-sync succeeded"');

    const next = section(stdout, "Next: point the connectors at your databases");
    expect(next).toContain("cp .env.example .env");
    for (const variable of ["OPS_DB_URL=postgres://", "REPORTING_DB_URL=postgres://", "SLACK_WEBHOOK_URL=https://hooks.slack.com/"])
      expect(next).toContain(variable);
    expect(next).toMatch(/nomaflow connectors test$/m);
    expect(next).toMatch(/nomaflow run reporting-nightly-sync$/m);

    // The run is a run of the project like any other; no .env was written.
    expect(readdirSync(join(project, "runs", "reporting-nightly-sync"))).toHaveLength(1);
    expect(existsSync(join(project, ".env"))).toBe(false);
  }, 90_000);

  it("does not seed again on a second run, and the copies replace last night's rows", async () => {
    const { code, stdout } = await demo();
    expect(code, stdout).toBe(0);
    expect(stdout).toContain("demo databases already seeded in .nomaflow/demo");
    expect(stdout).not.toContain("seeding");
    expect(stdout).toContain("sanity info: source=40 · target=40 · delta=0.0%");
  }, 60_000);

  it("shows the failure alert Slack would have received when a step fails (here: no python interpreter)", async () => {
    const { code, stdout } = await demo([], { NOMAFLOW_PYTHON: join(project, "no-such-python3") });
    expect(code, stdout).toBe(1);
    expect(stdout).toContain("python interpreter not found");
    expect(stdout).toMatch(/✗ run failed at step sanity/);
    expect(section(stdout, "the run's timeline")).toMatch(/↷ copy-customers +sql_copy +skipped: step sanity failed/);
    const slack = section(stdout, "Slack would have received:");
    expect(slack).toContain('"text": "❌ reporting-nightly-sync failed at step sanity: python interpreter not found');
    expect(slack).toContain('"blocks": [');
  }, 60_000);

  it("refuses a project that is not the example, before opening anything", async () => {
    const other = mkdtempSync(join(tmpdir(), "nomaflow-demo-other-"));
    try {
      writeFileSync(join(other, "nomaflow.yaml"), "connectors: {}\n");
      const { code, stderr } = await runCli(["demo", "-C", other], { env: CLEAN_ENV });
      expect(code).toBe(2);
      expect(stderr).toContain("nomaflow demo runs the example job reporting-nightly-sync");
      expect(stderr).toContain("hint: run it in the nomaflow repository's root");
      expect(existsSync(join(other, ".nomaflow"))).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("refuses a connector whose url does not come from the recipe's variable, without quoting the url", async () => {
    const other = mkdtempSync(join(tmpdir(), "nomaflow-demo-fixed-"));
    try {
      for (const part of ["jobs", "plugins"]) cpSync(join(REPO_ROOT, part), join(other, part), { recursive: true });
      const config = readFileSync(join(REPO_ROOT, "nomaflow.yaml"), "utf8").replace('"${env:OPS_DB_URL}"', '"postgres://etl:s3cret@ops.internal/ops"');
      writeFileSync(join(other, "nomaflow.yaml"), config);
      const { code, stderr } = await runCli(["demo", "-C", other], { env: CLEAN_ENV });
      expect(code).toBe(2);
      expect(stderr).toContain("connector ops-db does not take its url from OPS_DB_URL, so the demo cannot point it at its embedded database");
      expect(stderr).toContain('hint: set its url to "${env:OPS_DB_URL}" in nomaflow.yaml');
      expect(stderr).not.toContain("s3cret");
      expect(existsSync(join(other, ".nomaflow"))).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
