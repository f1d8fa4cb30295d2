/**
 * The real `nomaflow console` and `nomaflow daemon --http` processes (the built CLI): they print
 * where they serve, answer the console's pages and API, start a run from it (in the console's own
 * process; through the daemon's launcher), and stop on SIGTERM with 0.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { Catalogue, ClusterView, ConsoleInfo, RunDetail, RunStarted } from "../../src/console/consoleApi.js";
import { startDaemon } from "../daemon/daemonProcess.js";
import { BIN, makeProject, REPO_ROOT, runCli } from "../support/tempProject.js";
import { CookieClient, readLiveRun } from "./consoleForTest.js";

const TOKEN = "a-console-token-long-enough";
const JOB =
  'id: hello\nparams:\n  who: { type: string, default: world }\nsteps:\n  - { name: greet, type: shell, command: "sleep 0.2; echo hello ${params.who}" }\n';
const BUILT_PAGE = join(REPO_ROOT, "dist", "console", "index.html");

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function project(): string {
  const made = makeProject({
    "nomaflow.yaml": "runs_dir: runs\n",
    "jobs/hello.yaml": JOB,
    "jobs/slow.yaml": 'id: slow\nconcurrency: forbid\nsteps:\n  - { name: wait, type: shell, command: "sleep 1" }\n',
    ".env": `NOMAFLOW_CONSOLE_TOKEN=${TOKEN}\n`,
  });
  cleanups.push(made.remove);
  return made.root;
}

interface ConsoleProcess {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

async function startConsole(root: string, args: string[] = ["--http", "127.0.0.1:0"]): Promise<ConsoleProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.NOMAFLOW_RUNS_DIR;
  const child = spawn(process.execPath, [BIN, "console", "-C", root, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await exited;
  });
  const deadline = Date.now() + 15_000;
  while (!/^console: (\S+)\n/.test(stdout)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nomaflow console did not say where it serves:\n${stdout}${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { child, url: /^console: (\S+)\n/.exec(stdout)![1]!, stdout: () => stdout, stderr: () => stderr, exited };
}

/** What `/` answers: the page once the page's build has run, else the page saying it is missing. */
async function expectThePage(url: string): Promise<void> {
  const page = await fetch(url);
  expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
  if (existsSync(BUILT_PAGE)) {
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('src="assets/console.js"');
  } else {
    expect(page.status).toBe(500);
    expect(await page.text()).toContain("the console's files are missing: run npm run build");
  }
}

describe("nomaflow console", () => {
  it("prints its URL once listening, answers, serves /healthz but no metrics, and stops on SIGTERM with 0", async () => {
    const served = await startConsole(project());
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await expectThePage(served.url);
    const info = (await (await fetch(`${served.url}api/info`)).json()) as ConsoleInfo;
    expect(info).toMatchObject({ servedBy: "console", store: null, actions: { available: true, reason: null }, signedIn: false });
    expect(await (await fetch(`${served.url}healthz`)).json()).toEqual({ status: "ok" });
    expect((await fetch(`${served.url}metrics`)).status).toBe(404);
    served.child.kill("SIGTERM");
    expect(await served.exited).toBe(0);
    expect(served.stdout()).toBe(`console: ${served.url}\n`);
    expect(served.stderr()).toBe("");
  });

  it("runs a job started from the page in its own process, as nomaflow run does", async () => {
    const root = project();
    const served = await startConsole(root);
    const client = new CookieClient(served.url);
    expect((await client.signIn(TOKEN)).status).toBe(200);
    const started = await client.post("api/jobs/hello/runs", { params: { who: "console" } });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as RunStarted;
    const live = await readLiveRun<RunDetail>(await fetch(`${served.url}api/runs/${runId}/live`));
    expect(live.runs.at(-1)).toMatchObject({
      status: "succeeded",
      trigger: "manual",
      steps: [{ name: "greet", status: "succeeded", output: { stdout: "hello console" } }],
    });
    expect(live.runs.at(-1)!.host).toBeTruthy();
    expect(existsSync(join(root, "runs", "hello", `${runId}.ndjson`))).toBe(true);
    served.child.kill("SIGINT");
    expect(await served.exited).toBe(0);
  });

  it("refuses an address it cannot serve, with exit 2", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as { port: number }).port;
    const result = await runCli(["console", "-C", project(), "--http", `127.0.0.1:${port}`], { killAfterMs: 15_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot serve HTTP on 127.0.0.1:${port}: the port is already in use by another process (EADDRINUSE)`);
    expect((await runCli(["console", "-C", project(), "--http", "8080"])).code).toBe(2);
  });
});

describe("nomaflow daemon --http", () => {
  it("serves the console at / beside /healthz and /metrics; Run now goes through the daemon's launcher", async () => {
    const root = project();
    const daemon = startDaemon(root, ["--http", "127.0.0.1:0", "--grace", "1"]);
    cleanups.push(async () => {
      if (daemon.child.exitCode === null) daemon.child.kill("SIGKILL");
      await daemon.exited;
    });
    const started = await daemon.waitFor((line) => line.event === "daemon_started");
    const url = `${started.http as string}/`;
    await expectThePage(url);
    const info = (await (await fetch(`${url}api/info`)).json()) as ConsoleInfo;
    expect(info).toMatchObject({ servedBy: "daemon", store: null, actions: { available: true } });
    expect(((await (await fetch(`${url}healthz`)).json()) as { status: string }).status).toBe("ok");
    expect(await (await fetch(`${url}metrics`)).text()).toContain("nomaflow_");
    const cluster = (await (await fetch(`${url}api/cluster`)).json()) as ClusterView;
    expect(cluster).toMatchObject({ store: null, daemons: [{ pid: daemon.child.pid, lease: "alive", runs: 0 }] });

    const client = new CookieClient(url);
    await client.signIn(TOKEN);
    const response = await client.post("api/jobs/hello/runs", { params: { who: "daemon" } });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as RunStarted;
    await daemon.waitFor((line) => line.event === "started_by_hand" && line.run === runId);
    const live = await readLiveRun<RunDetail>(await fetch(`${url}api/runs/${runId}/live`));
    expect(live.runs.at(-1)).toMatchObject({ status: "succeeded", trigger: "manual", params: { who: "daemon" } });
    await daemon.waitFor((line) => line.event === "run_finished" && line.run === runId);

    // The daemon's rules hold for a run started by hand: one run at a time of a forbid job.
    const first = await client.post("api/jobs/slow/runs", {});
    expect(first.status).toBe(202);
    const second = await client.post("api/jobs/slow/runs", {});
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: string }).error).toBe(
      `job slow is still running (run ${((await first.json()) as RunStarted).runId}) and has concurrency: forbid`,
    );

    // The console shows the jobs as the daemon has them: a new file after the daemon reloads.
    writeFileSync(join(root, "jobs", "later.yaml"), 'id: later\nsteps:\n  - { name: a, type: shell, command: "true" }\n');
    const jobIds = async () => ((await (await fetch(`${url}api/jobs`)).json()) as Catalogue).jobs.map((job) => job.id);
    expect(await jobIds()).toEqual(["hello", "slow"]);
    daemon.child.kill("SIGHUP");
    await daemon.waitFor((line) => line.event === "reloaded");
    expect(await jobIds()).toEqual(["hello", "later", "slow"]);
    daemon.child.kill("SIGTERM");
    expect((await daemon.exited).code).toBe(0);
  });
});

/** Loader hooks that note every module URL the process loads. */
const NOTE_MODULES = {
  "hooks.mjs":
    'import { appendFileSync } from "node:fs";\nexport async function load(url, context, next) {\n  appendFileSync(process.env.LOADED_LOG, url + "\\n");\n  return next(url, context);\n}\n',
  "register.mjs": 'import { register } from "node:module";\nregister(new URL("./hooks.mjs", import.meta.url));\n',
};

describe("the console's modules", () => {
  it("are not loaded by --version, nor by a daemon whose --http only serves /healthz and /metrics", async () => {
    const made = makeProject({ "nomaflow.yaml": "runs_dir: runs\n", "jobs/hello.yaml": JOB, ...NOTE_MODULES });
    cleanups.push(made.remove);
    const log = join(made.root, "loaded.log");
    const env = { NODE_OPTIONS: `--import=${pathToFileURL(join(made.root, "register.mjs")).href}`, LOADED_LOG: log };
    expect((await runCli(["--version"], { env })).code).toBe(0);
    const daemon = startDaemon(made.root, ["--http", "127.0.0.1:0"], { env });
    cleanups.push(async () => {
      if (daemon.child.exitCode === null) daemon.child.kill("SIGKILL");
      await daemon.exited;
    });
    const url = (await daemon.waitFor((line) => line.event === "daemon_started")).http as string;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    const before = readFileSync(log, "utf8");
    expect(before).toContain("/dist/cli/chunks/daemon-");
    expect(before).not.toMatch(/consoleApp/);
    expect((await fetch(`${url}/api/info`)).status).toBe(200);
    daemon.child.kill("SIGTERM");
    expect((await daemon.exited).code).toBe(0);
    expect(readFileSync(log, "utf8")).toMatch(/\/dist\/cli\/chunks\/consoleApp-/);
  });
});
