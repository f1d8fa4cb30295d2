/**
 * The real CLI with its stdout on a real pipe that the reader closes (`nomaflow run job | head -1`):
 * a run goes on to its end and writes its whole log; read-only commands stop quietly, with no
 * stack trace on stderr.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/processState.js";
import { BIN, makeProject } from "../support/tempProject.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Three steps a little apart, so that most of the run's lines come after the reader has gone. */
const JOB = `id: job
steps:
  - { name: first, type: shell, command: "echo one" }
  - { name: second, type: shell, command: "sleep 0.2; echo two" }
  - { name: third, type: shell, command: "sleep 0.2; echo three" }
`;

function project(): string {
  const made = makeProject({ "nomaflow.yaml": "runs_dir: runs\n", "jobs/job.yaml": JOB });
  cleanups.push(made.remove);
  return made.root;
}

interface PipedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What was read before the pipe was closed. */
  firstLine: string;
  stderr: string;
}

/**
 * Runs bin/nomaflow with stdout on a pipe that this side closes after the first line (or at once,
 * before the command has written anything, with `closeAt: "start"`).
 */
function runWithClosedStdout(args: string[], cwd: string, closeAt: "first-line" | "start" = "first-line"): Promise<PipedResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    delete env.FORCE_COLOR;
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let firstLine = "";
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    if (closeAt === "start") child.stdout.destroy();
    else {
      let seen = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        seen += chunk;
        const end = seen.indexOf("\n");
        if (end < 0) return;
        firstLine = seen.slice(0, end);
        child.stdout.destroy();
      });
    }
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, firstLine, stderr }));
  });
}

function runLogEvents(root: string): string[] {
  const folder = join(root, "runs", "job");
  const files = existsSync(folder) ? readdirSync(folder) : [];
  expect(files).toHaveLength(1);
  return readFileSync(join(folder, files[0]!), "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => (JSON.parse(line) as { event: string }).event);
}

describe("a closed stdout", () => {
  it.each(["run job", "run job --json"])("does not stop `%s`: the run goes on to its end and writes its log", async (command) => {
    const root = project();
    const result = await runWithClosedStdout(command.split(" "), root);
    expect(result.firstLine).toMatch(/"run_started"| run \S+ of job started/);
    expect(result.stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(result.code).toBe(0);
    const events = runLogEvents(root);
    expect(events.filter((event) => event === "step_succeeded")).toHaveLength(3);
    expect(events.at(-1)).toBe("run_succeeded");
  });

  it("does not stop the daemon: its jobs go on firing", async () => {
    const made = makeProject({
      "nomaflow.yaml": "runs_dir: runs\n",
      "jobs/tick.yaml": 'id: tick\nschedule: { cron: "* * * * * *" }\nsteps:\n  - { name: a, type: shell, command: "true" }\n',
    });
    cleanups.push(made.remove);
    const daemon = spawn(process.execPath, [BIN, "daemon"], { cwd: made.root, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    daemon.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const ended = new Promise<number | null>((resolve) => daemon.on("close", resolve));
    daemon.stdout.once("data", () => daemon.stdout.destroy());
    const runs = () => (existsSync(join(made.root, "runs", "tick")) ? readdirSync(join(made.root, "runs", "tick")).length : 0);
    // Each fire writes a line to the closed stdout; three fires mean it lived through them.
    const fired = await eventually(() => runs() >= 3, 6_000);
    daemon.kill("SIGTERM");
    expect({ fired, code: await ended, stderr }).toEqual({ fired: true, code: 0, stderr: "" });
  });

  it("ends `show --follow` quietly while the run it follows goes on", async () => {
    const root = project();
    const run = spawn(process.execPath, [BIN, "run", "job"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const runEnded = new Promise<number | null>((resolve) => run.on("close", resolve));
    // The run id is in the run's first line: `… ▶ run <id> of job started …`.
    const runId = await new Promise<string>((resolve) => {
      let seen = "";
      run.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        seen += chunk;
        const match = / run (\S+) of job started/.exec(seen);
        if (match) resolve(match[1]!);
      });
    });
    const followed = await runWithClosedStdout(["show", runId, "--follow"], root);
    expect(followed.firstLine).toContain(runId);
    expect(followed.stderr).toBe("");
    expect(followed.code).toBe(0);
    expect(await runEnded).toBe(0);
    expect(runLogEvents(root).at(-1)).toBe("run_succeeded");
  });

  it("ends `show`, `cron` and `init` quietly", async () => {
    const root = project();
    const run = await runWithClosedStdout(["run", "job", "--json"], root, "start");
    expect(run.code).toBe(0);
    const runId = readdirSync(join(root, "runs", "job"))[0]!.replace(/\.ndjson$/, "");

    for (const args of [
      ["show", runId],
      ["show", runId, "--json"],
      ["cron", "* * * * *", "-n", "5000"],
      ["cron", "* * * * *", "-n", "5000", "--json"],
    ]) {
      const shown = await runWithClosedStdout(args, root, args[0] === "show" ? "start" : "first-line");
      expect({ args, stderr: shown.stderr, code: shown.code }).toEqual({ args, stderr: "", code: 0 });
    }

    const init = await runWithClosedStdout(["init", "fresh"], root, "start");
    expect({ stderr: init.stderr, code: init.code }).toEqual({ stderr: "", code: 0 });
    expect(existsSync(join(root, "fresh", "jobs", "example.yaml"))).toBe(true);
  });
});
