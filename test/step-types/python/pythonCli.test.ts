/**
 * End to end through the built, bundled binary: a python step whose function queries an embedded
 * PostgreSQL (PGlite, no server) and whose output a later step uses, then `nomaflow show`.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunEvent } from "../../../src/run-logs/runEvents.js";
import type { bridgeFiles } from "../../../src/step-types/python/bridgeFiles.js";
import { freshPgliteFolder } from "../../support/pgliteTemplate.js";
import { makeProject, REPO_ROOT, runCli } from "../../support/tempProject.js";
import { describeWithPython, PYTHON } from "./pythonSupport.js";

const PLUGIN = `
def count_rows(ctx, *, table, minimum=1):
    db = ctx.get_connector("scratch")
    db.execute(f"create table if not exists {table} (id int primary key)")
    db.execute(f"insert into {table} select g from generate_series(1, $1::int) g on conflict do nothing", 42)
    total = db.scalar(f"select count(*) from {table}")
    print(f"counted {total} rows in {table}")
    ctx.log.info("minimum is %s", minimum)
    if total < minimum:
        raise RuntimeError(f"{table} has {total} rows, fewer than {minimum}")
    return {"total": total, "table": table}
`;

describeWithPython("python step: through the CLI", () => {
  let project: { root: string; remove: () => void };
  beforeAll(async () => {
    project = makeProject({
      "nomaflow.yaml": `python: { interpreter: ${PYTHON} }\nconnectors:\n  scratch: { url: "pglite:data/scratch" }\n`,
      "plugins/stats/__init__.py": "",
      "plugins/stats/counts.py": PLUGIN,
      "jobs/py-e2e.yaml": `id: py-e2e
params:
  minimum: { type: number, default: 1 }
steps:
  - name: count
    type: python
    callable: stats.counts:count_rows
    op_kwargs: { table: demo, minimum: "\${params.minimum}" }
  - name: report
    type: shell
    command: "echo total=\${steps.count.output.total} table=\${steps.count.output.table}"
`,
    });
    await freshPgliteFolder(join(project.root, "data", "scratch"));
  });
  afterAll(() => project?.remove());

  it("runs the function, feeds its output to a later step, and shows it", async () => {
    const result = await runCli(["run", "py-e2e", "--json"], { cwd: project.root });
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as RunEvent);
    const succeeded = (step: string) =>
      events.find((event) => event.event === "step_succeeded" && event.step === step) as { output?: Record<string, unknown> } | undefined;
    expect(succeeded("count")?.output).toEqual({ total: 42, table: "demo" });
    expect(succeeded("report")?.output).toMatchObject({ exit_code: 0, stdout: "total=42 table=demo" });
    const logs = events
      .filter((event) => event.event === "log" && event.step === "count")
      .map((event) => (event as { level: string; message: string }).message);
    expect(logs).toEqual(expect.arrayContaining(["counted 42 rows in demo", "minimum is 1"]));

    const runId = events[0]!.run_id;
    const shown = await runCli(["show", runId], { cwd: project.root });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("count");
    expect(shown.stdout).toContain('"total":42');
    const summary = JSON.parse((await runCli(["show", runId, "--json"], { cwd: project.root })).stdout) as {
      status: string;
      steps: Array<{ name: string; output: unknown }>;
    };
    expect(summary.status).toBe("succeeded");
    expect(summary.steps.find((step) => step.name === "count")?.output).toEqual({ total: 42, table: "demo" });
  });

  it("fails the run with the exception's message and exit code 1", async () => {
    const result = await runCli(["run", "py-e2e", "-p", "minimum=100", "--json"], { cwd: project.root });
    expect(result.code).toBe(1);
    const events = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as RunEvent);
    expect(events.find((event) => event.event === "step_failed")).toMatchObject({ step: "count", error: "RuntimeError: demo has 42 rows, fewer than 100" });
    expect(events.find((event) => event.event === "step_skipped")).toMatchObject({ step: "report" });
    const traceback = events.find((event) => event.event === "log" && (event as { level: string }).level === "error") as { message: string } | undefined;
    expect(traceback?.message).toMatch(/^Traceback \(most recent call last\):[\s\S]*counts\.py", line \d+, in count_rows/);
  });

  it("finds the bridge from the built library too (dist/step-types/python)", async () => {
    const built = (await import(pathToFileURL(join(REPO_ROOT, "dist", "step-types", "python", "bridgeFiles.js")).href)) as { bridgeFiles: typeof bridgeFiles };
    expect(built.bridgeFiles()).toEqual({ launcher: join(REPO_ROOT, "dist", "step-types", "python", "bridge", "launcher.py"), inSourceTree: false });
  });
});
