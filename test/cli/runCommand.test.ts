/**
 * The real `nomaflow run` process against real HTTP servers and real child processes: retries,
 * status handling, timeouts that stop the work, parameters, masking, interrupts, and output modes.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/run-logs/runEvents.js";
import { receiverForTest } from "../support/httpReceiver.js";
import { eventually, isRunning } from "../support/processState.js";
import { BIN, makeProject, runCli } from "../support/tempProject.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function project(job: string, extra: Record<string, string> = {}): string {
  const made = makeProject({ "nomaflow.yaml": "runs_dir: runs\n", "jobs/job.yaml": `id: job\n${job}`, ...extra });
  cleanups.push(made.remove);
  return made.root;
}

const parseEvents = (stdout: string) =>
  stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as RunEvent);

function runLogs(root: string): string[] {
  const folder = join(root, "runs", "job");
  return existsSync(folder) ? readdirSync(folder).map((file) => readFileSync(join(folder, file), "utf8")) : [];
}

describe("nomaflow run", () => {
  it("retries 503 with backoff and succeeds; --json streams every event", async () => {
    const server = await receiverForTest((_, response, index) => {
      response.statusCode = index < 2 ? 503 : 204;
      response.end(index < 2 ? "busy" : undefined);
    });
    const root = project(`retry: { attempts: 3, backoff: exponential, base_seconds: 0.05 }
steps:
  - { name: ping, type: http, url: "${server.url}/hook", method: POST, body: { ok: true } }
`);
    const result = await runCli(["run", "job", "--json"], { cwd: root });
    expect(result.code).toBe(0);
    const events = parseEvents(result.stdout);
    expect(events.map((event) => event.event)).toEqual([
      "run_started",
      "step_started",
      "log",
      "step_attempt_failed",
      "step_started",
      "log",
      "step_attempt_failed",
      "step_started",
      "log",
      "step_succeeded",
      "run_succeeded",
    ]);
    expect(events.filter((event) => event.event === "step_attempt_failed").map((event) => event.retry_in_seconds)).toEqual([0.05, 0.1]);
    expect(server.requests).toHaveLength(3);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ ok: true });
    expect(
      runLogs(root)[0]!
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual(events);
  });

  it("retries 429 but not 404, and says what the server answered", async () => {
    const server = await receiverForTest((request, response) => {
      response.statusCode = request.url === "/busy" ? 429 : 404;
      response.end(request.url === "/busy" ? "slow down" : "no such hook");
    });
    const root = project(`retry: { attempts: 2, base_seconds: 0.01 }
steps:
  - { name: busy, type: http, url: "${server.url}/busy" }
  - { name: missing, type: http, url: "${server.url}/missing", run_if: always }
`);
    const result = await runCli(["run", "job", "--json"], { cwd: root });
    expect(result.code).toBe(1);
    expect(server.requests.map((request) => request.url)).toEqual(["/busy", "/busy", "/missing"]);
    const failed = parseEvents(result.stdout).filter((event) => event.event === "step_failed");
    expect(failed.map((event) => [event.step, event.attempt])).toEqual([
      ["busy", 2],
      ["missing", 1],
    ]);
    expect(failed[1]!.error).toContain("404");
    expect(failed[1]!.error).toContain("no such hook");
  });

  it("aborts a slow response at the timeout: the server sees the connection close", async () => {
    const server = await receiverForTest(() => {
      /* never answers */
    });
    // Time enough for the request to reach the server from a CLI starting on a loaded machine.
    const root = project(`steps:\n  - { name: slow, type: http, url: "${server.url}/slow", timeout: 2s }\n`);
    const started = Date.now();
    const result = await runCli(["run", "job", "--json"], { cwd: root });
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(7000);
    expect(parseEvents(result.stdout).find((event) => event.event === "step_failed")).toMatchObject({ error: "timed out after 2.0 s" });
    // The client hung up: every connection the server saw is closed, and only one request came.
    expect(await eventually(() => server.closedSockets >= 1)).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it("kills a shell step's whole process group at the timeout", async () => {
    const root = project(`steps:
  - name: hang
    type: shell
    command: "sleep 30 & echo $! > child.pid; sleep 30"
    timeout: 1500ms
`);
    const result = await runCli(["run", "job", "--json"], { cwd: root });
    expect(result.code).toBe(1);
    expect(parseEvents(result.stdout).find((event) => event.event === "step_failed")).toMatchObject({ error: "timed out after 1.5 s" });
    const child = Number(readFileSync(join(root, "child.pid"), "utf8"));
    expect(await eventually(() => !isRunning(child))).toBe(true);
  });

  it("checks parameters before anything runs: exit 2 and no run log", async () => {
    const root = project(`params:\n  n: { type: integer, default: 1 }\nsteps:\n  - { name: a, type: shell, command: ["echo", "\${params.n}"] }\n`);
    const bad = await runCli(["run", "job", "-p", "n=many"], { cwd: root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('nomaflow: error: parameter n must be a whole number, got "many"\n');
    expect(runLogs(root)).toEqual([]);
    const unknown = await runCli(["run", "job", "-p", "m=1"], { cwd: root });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown parameter m for job job");
    const good = await runCli(["run", "job", "-p", "n=7", "--json"], { cwd: root });
    expect(good.code).toBe(0);
    expect(parseEvents(good.stdout).find((event) => event.event === "log")).toMatchObject({ level: "info", message: "7" });
  });

  it("refuses a run whose ${env:…} variables are unset before it starts: exit 2, no run log, no alert", async () => {
    const server = await receiverForTest((_, response) => response.end("ok"));
    const root = project(
      `alerts: { on_failure: true, recipients: [ops] }
steps:
  - { name: greet, type: shell, command: "echo \${env:GREETING}" }
  - { name: load, type: sql, connector: warehouse, sql: "select 1" }
  - { name: fine, type: shell, command: "echo \${env:OPTIONAL:-none}" }
`,
      {
        "nomaflow.yaml": `runs_dir: runs
connectors:
  warehouse: { url: "\${env:WAREHOUSE_URL}" }
  unused: { url: "\${env:UNUSED_URL}" }
notifications:
  channels:
    ops: { type: webhook, url: "${server.url}/hook" }
`,
      },
    );
    const env = { GREETING: undefined, WAREHOUSE_URL: undefined, UNUSED_URL: undefined, OPTIONAL: undefined };
    const refused = await runCli(["run", "job"], { cwd: root, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^nomaflow: error: job job cannot start: environment variables GREETING \(step greet\), WAREHOUSE_URL \(connector warehouse\) are not set\n {2}hint: set GREETING, WAREHOUSE_URL in the environment or the env file \(.+\.env\), or give a default: \$\{env:GREETING:-VALUE\}\n$/,
    );
    expect(runLogs(root)).toEqual([]);
    expect(server.requests).toEqual([]);
  });

  it("masks secrets from the environment everywhere: terminal output and every file under runs/", async () => {
    const secret = "hook-Secret-9f3a77";
    const server = await receiverForTest((_, response) => {
      response.statusCode = 500;
      response.end(`unknown token ${secret}`);
    });
    const root = project(
      `steps:
  - { name: call, type: http, url: "${server.url}/hooks/\${env:HOOK_TOKEN}", headers: { Authorization: "Bearer \${env:HOOK_TOKEN}" } }
  - { name: say, type: shell, command: "echo token=\${env:HOOK_TOKEN} >&2; exit 3", run_if: always }
`,
      { ".env": `HOOK_TOKEN=${secret}\n` },
    );
    const plain = await runCli(["run", "job"], { cwd: root, env: { HOOK_TOKEN: undefined } });
    const json = await runCli(["run", "job", "--json"], { cwd: root, env: { HOOK_TOKEN: undefined } });
    expect(plain.code).toBe(1);
    expect(server.requests[0]!.url).toBe(`/hooks/${secret}`);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${secret}`);
    for (const text of [plain.stdout, plain.stderr, json.stdout, json.stderr, ...runLogs(root)]) {
      expect(text).not.toContain(secret);
    }
    expect(json.stdout).toContain("/hooks/***");
    expect(json.stdout).toContain("token=***");
  });

  it("stops on SIGINT mid-step: run_interrupted, exit 130, the step's process gone", async () => {
    const root = project(`steps:
  - { name: wait, type: shell, command: "echo $$ > shell.pid; sleep 30" }
  - { name: never, type: shell, command: "echo should not run", run_if: always }
`);
    const child = spawn(process.execPath, [BIN, "run", "job", "--json"], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let sent = false;
    // Once only: a second Ctrl-C means "stop at once", which is another test's matter.
    const interruptOnce = () => {
      if (!sent && stdout.includes('"step_started"') && existsSync(join(root, "shell.pid"))) {
        sent = true;
        child.kill("SIGINT");
      }
    };
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      interruptOnce();
    });
    const poll = setInterval(interruptOnce, 50);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    clearInterval(poll);
    expect(code).toBe(130);
    const events = parseEvents(stdout);
    expect(events.at(-1)).toMatchObject({ event: "run_interrupted" });
    expect(events.some((event) => event.event === "step_started" && event.step === "never")).toBe(false);
    const shell = Number(readFileSync(join(root, "shell.pid"), "utf8"));
    expect(await eventually(() => !isRunning(shell))).toBe(true);
    expect(runLogs(root)[0]!.trimEnd().split("\n").at(-1)).toContain('"run_interrupted"');
  });

  it("prints plain lines without a terminal", async () => {
    const root = project(`steps:\n  - { name: hello, type: shell, command: "echo hello" }\n`);
    const result = await runCli(["run", "job"], { cwd: root });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d {2}▶ run \S+ of job started: manual, /);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d {2}▶ hello started \(shell\)$/);
    expect(lines[2]).toMatch(/^\d\d:\d\d:\d\d {4}hello info: hello$/);
    expect(lines[3]).toMatch(/^\d\d:\d\d:\d\d {2}✓ hello succeeded in \d+ ms {2}\{"exit_code":0,"stdout":"hello","truncated":false\}$/);
    expect(lines[4]).toMatch(/^\d\d:\d\d:\d\d {2}✓ run succeeded in \d+ ms$/);
    expect(lines[5]).toMatch(/^ {2}run \S+ · log \S+\.ndjson · nomaflow show \S+$/);
    expect(result.stdout).not.toContain("\u001b[");
  });

  it("draws a live timeline on a terminal", async () => {
    const root = project(`steps:\n  - { name: first, type: shell, command: "sleep 0.3" }\n  - { name: second, type: shell, command: "true" }\n`);
    // `script` gives the command a pseudo-terminal, as a person's shell would.
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn("script", ["-qec", `stty rows 40 cols 120; ${process.execPath} ${BIN} run job`, "/dev/null"], {
        cwd: root,
        env: { ...process.env, NO_COLOR: "1", TERM: "xterm" },
      });
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.on("exit", (code) => resolve({ code, out }));
    });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] first/);
    expect(result.out).toMatch(/✓ first +\d/);
    expect(result.out).toMatch(/✓ second/);
    expect(result.out).toContain("run succeeded");
  });
});

describe("nomaflow show --follow on a real run", () => {
  it("follows a run another process is making, to its end", async () => {
    const root = project(`steps:
  - { name: first, type: shell, command: "echo one; sleep 0.6; echo two" }
  - { name: second, type: shell, command: "echo three" }
`);
    const runner = spawn(process.execPath, [BIN, "run", "job", "--json"], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
    let runOut = "";
    const runId = await new Promise<string>((resolve) => {
      runner.stdout.on("data", (chunk: Buffer) => {
        runOut += chunk.toString();
        const match = /"run_id":"([^"]+)"/.exec(runOut);
        if (match) resolve(match[1]!);
      });
    });
    const follow = await runCli(["show", runId, "--follow"], { cwd: root });
    const runExit = await new Promise<number | null>((resolve) => (runner.exitCode === null ? runner.on("exit", resolve) : resolve(runner.exitCode)));
    expect(runExit).toBe(0);
    expect(follow.code).toBe(0);
    const lines = follow.stdout.trimEnd().split("\n");
    expect(lines.some((line) => line.includes("first info: two"))).toBe(true);
    expect(lines.some((line) => /✓ second succeeded/.test(line))).toBe(true);
    expect(lines.at(-1)).toMatch(/✓ run succeeded in /);
  });
});
