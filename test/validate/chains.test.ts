/**
 * `trigger: { after, on }` in `nomaflow validate` (the built binary): unknown job names with a
 * did-you-mean, a job after itself, cycles named in full, each at the file, line and column of the
 * name; a disabled job named; one file checked alone; and the cycle finder on its own.
 */
import { afterEach, describe, expect, it } from "vitest";
import { chainCycles } from "../../src/project/chainCycles.js";
import { makeProject, runCli } from "../support/tempProject.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const STEPS = `steps:\n  - { name: work, type: shell, command: "true" }\n`;

function project(jobs: Record<string, string>): string {
  const files: Record<string, string> = { "nomaflow.yaml": "runs_dir: runs\n" };
  for (const [id, body] of Object.entries(jobs)) files[`jobs/${id}.yaml`] = `id: ${id}\n${body}${STEPS}`;
  const made = makeProject(files);
  cleanups.push(made.remove);
  return made.root;
}

interface Report {
  ok: boolean;
  jobs: Array<{ id: string; valid: boolean }>;
  diagnostics: Array<{ severity: string; file: string; line: number; column: number; job: string; message: string; hint: string | null }>;
}

describe("validate: trigger.after", () => {
  it("names a cycle of three jobs in full, at each job's after: entry, and refuses all three", async () => {
    const root = project({
      extract: `schedule: { cron: "0 2 * * *" }\ntrigger: { after: [publish] }\n`,
      transform: "trigger:\n  after: [extract]\n",
      publish: "trigger:\n  after:\n    - transform\n  on: always\n",
      other: "",
    });
    const text = await runCli(["validate"], { cwd: root });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      [
        "jobs/extract.yaml:3:20: error: trigger.after makes a cycle: extract → publish → transform → extract [job extract]",
        "  hint: jobs that wait for each other in a circle never start: remove one of these after: entries",
        "jobs/publish.yaml:4:7: error: trigger.after makes a cycle: publish → transform → extract → publish [job publish]",
        "  hint: jobs that wait for each other in a circle never start: remove one of these after: entries",
        "jobs/transform.yaml:3:11: error: trigger.after makes a cycle: transform → extract → publish → transform [job transform]",
      ].join("\n"),
    );
    expect(text.stdout).toContain("1 of 4 jobs valid · 3 errors · 0 warnings");
  });

  it("refuses an unknown job with the closest name, a job after itself, and a bad on:, each at its position (json)", async () => {
    const root = project({
      "load-sales": "",
      report: "trigger:\n  after: [load-sale, report, load-sales]\n  on: sucess\n",
    });
    const result = await runCli(["validate", "--format", "json"], { cwd: root });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.jobs).toEqual([expect.objectContaining({ id: "load-sales", valid: true }), expect.objectContaining({ id: "report", valid: false })]);
    expect(report.diagnostics.map(({ line, column, message, hint }) => ({ line, column, message, hint }))).toEqual([
      { line: 3, column: 11, message: "trigger.after names job load-sale, which is not a job of this project", hint: "did you mean `load-sales`?" },
      { line: 3, column: 22, message: "job report cannot run after itself", hint: "trigger.after names the other jobs this one waits for" },
      { line: 4, column: 7, message: '`trigger.on` must be one of success, failure, always; got "sucess"', hint: expect.any(String) },
    ]);
    expect(report.diagnostics.every((diagnostic) => diagnostic.file === "jobs/report.yaml" && diagnostic.job === "report")).toBe(true);
  });

  it("lists the project's jobs when no name is close, and warns about a disabled job named", async () => {
    const root = project({
      archive: "enabled: false\n",
      report: "trigger: { after: [archive, zzz] }\n",
    });
    const result = await runCli(["validate", "--format", "json"], { cwd: root });
    const report = JSON.parse(result.stdout) as Report;
    expect(report.diagnostics.map(({ severity, column, message, hint }) => ({ severity, column, message, hint }))).toEqual([
      {
        severity: "warning",
        column: 20,
        message: "job archive is disabled: the daemon never fires it, so only its runs by hand (nomaflow run) can start report",
        hint: null,
      },
      { severity: "error", column: 29, message: "trigger.after names job zzz, which is not a job of this project", hint: "jobs: archive" },
    ]);
  });

  it("warns when the jobs named have different schedules: their runs rarely share a logical date", async () => {
    const root = project({
      sales: `schedule: { cron: "0 2 * * *", timezone: Europe/Paris }\n`,
      stock: `schedule: { cron: "0 2 * * *", timezone: Europe/Paris }\n`,
      prices: `schedule: { cron: "0 3 * * *", timezone: UTC }\n`,
      report: "trigger: { after: [sales, stock, prices] }\n",
    });
    const result = await runCli(["validate", "--format", "json"], { cwd: root });
    const report = JSON.parse(result.stdout) as Report;
    expect(result.code).toBe(0);
    expect(report.diagnostics.filter((diagnostic) => diagnostic.job === "report")).toEqual([
      expect.objectContaining({
        severity: "warning",
        line: 2,
        column: 34,
        message:
          "sales (0 2 * * * in Europe/Paris) and prices (0 3 * * * in UTC) have different schedules: report starts only for a logical date both have runs for",
      }),
    ]);
  });

  it("checks the names of one file given alone against every job file (a cycle needs the files of the jobs on it)", async () => {
    const root = project({ a: "trigger: { after: [b] }\n", b: "trigger: { after: [a] }\n", c: "trigger: { after: [d] }\n" });
    const alone = await runCli(["validate", "jobs/a.yaml"], { cwd: root });
    expect(alone.code, alone.stdout).toBe(0);
    const unknown = await runCli(["validate", "jobs/c.yaml"], { cwd: root });
    expect(unknown.stdout).toContain("jobs/c.yaml:2:20: error: trigger.after names job d, which is not a job of this project [job c]");
    const both = await runCli(["validate", "jobs/a.yaml", "jobs/b.yaml"], { cwd: root });
    expect(both.stdout).toContain("error: trigger.after makes a cycle: a → b → a [job a]");
  });

  it("a chained job without a schedule may use ${run.interval_start}: it takes the interval of the runs it follows", async () => {
    const root = project({
      load: `schedule: { cron: "0 2 * * *" }\n`,
      report: 'trigger: { after: [load] }\nparams:\n  since: { type: string, default: "${run.interval_start}" }\n',
      alone: 'params:\n  since: { type: string, default: "${run.interval_start}" }\n',
    });
    const report = JSON.parse((await runCli(["validate", "--format", "json"], { cwd: root })).stdout) as Report;
    expect(report.diagnostics.map((diagnostic) => diagnostic.job)).not.toContain("report");
  });
});

describe("chainCycles", () => {
  const edges = (entries: Record<string, string[]>) => new Map(Object.entries(entries));

  it("gives each job on a cycle its shortest way back, following after: in order", () => {
    expect(chainCycles(edges({ a: ["b"], b: ["c"], c: ["a"], d: ["a"] }))).toEqual(
      new Map([
        ["a", ["a", "b", "c", "a"]],
        ["b", ["b", "c", "a", "b"]],
        ["c", ["c", "a", "b", "c"]],
      ]),
    );
    expect(chainCycles(edges({ a: ["x", "b"], b: ["a", "c"], c: ["b"] })).get("a")).toEqual(["a", "b", "a"]);
    expect(chainCycles(edges({ a: ["b"], b: ["c"], c: ["d"] })).size).toBe(0);
  });

  it("leaves a job after itself alone, and handles a long chain without recursion", () => {
    expect(chainCycles(edges({ a: ["a"], b: ["a"] })).size).toBe(0);
    const long = new Map<string, string[]>();
    for (let index = 0; index < 2_000; index++) long.set(`j${index}`, [`j${index + 1}`]);
    long.set("j2000", ["j0"]);
    const cycles = chainCycles(long);
    expect(cycles.size).toBe(2_001);
    expect(cycles.get("j5")).toHaveLength(2_002);
  });
});
