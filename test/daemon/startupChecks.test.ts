/**
 * The daemon checks before it acts: a port in use for --http ends it with exit 2 before it alerts
 * about an abandoned run or writes anything under runs_dir. The same project on a free port does
 * alert, so the abandoned run there is a real one.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { hostname } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { newRunId } from "../../src/identity/runId.js";
import { receiverForTest } from "../support/httpReceiver.js";
import { eventually, isRunning } from "../support/processState.js";
import { makeProject } from "../support/tempProject.js";
import { startDaemon } from "./daemonProcess.js";

/** Every file under `dir` with its content, to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at)) {
      const path = join(at, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path, "utf8");
    }
  };
  walk(dir);
  return files;
}

describe("nomaflow daemon start-up checks", () => {
  it("with --http on a port in use: exit 2, no alert sent, nothing written under runs_dir", async () => {
    const hook = await receiverForTest((_request, response) => {
      response.statusCode = 204;
      response.end();
    });
    const made = makeProject({
      "nomaflow.yaml": `runs_dir: runs\nnotifications:\n  channels:\n    hook: { type: webhook, url: "${hook.url}/alert" }\n  default: [hook]\n`,
      "jobs/nightly.yaml": "id: nightly\nschedule: { cron: '0 3 * * *', timezone: UTC }\nsteps:\n  - { name: work, type: shell, command: 'true' }\n",
    });
    onTestFinished(made.remove);
    // A run whose process is gone without a final event: abandoned.
    const deadPid = spawnSync("true").pid!;
    const runId = newRunId(new Date(Date.now() - 60_000));
    mkdirSync(join(made.root, "runs", "nightly"), { recursive: true });
    const started = {
      ts: new Date(Date.now() - 60_000).toISOString(),
      event: "run_started",
      run_id: runId,
      job_id: "nightly",
      trigger: "schedule",
      scheduled_for: null,
      params: {},
      host: hostname(),
      pid: deadPid,
      version: "0.1.0",
      steps: ["work"],
      step_types: ["shell"],
    };
    writeFileSync(join(made.root, "runs", "nightly", `${runId}.ndjson`), `${JSON.stringify(started)}\n`);
    const before = snapshot(join(made.root, "runs"));

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as AddressInfo).port;

    const refused = startDaemon(made.root, ["--http", `127.0.0.1:${port}`]);
    expect((await refused.exited).code).toBe(2);
    expect(refused.output()).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}`));
    expect(refused.events("abandoned")).toEqual([]);
    expect(hook.requests).toEqual([]);
    expect(snapshot(join(made.root, "runs"))).toEqual(before);

    // On a free port the same daemon reports and alerts the run: the check above was not vacuous.
    const serving = startDaemon(made.root, ["--http", "127.0.0.1:0"]);
    onTestFinished(() => {
      if (serving.child.pid !== undefined && isRunning(serving.child.pid)) serving.child.kill("SIGKILL");
    });
    await serving.waitFor((line) => line.event === "alert_sent");
    expect(await eventually(() => hook.requests.length === 1)).toBe(true);
    serving.child.kill("SIGTERM");
    expect((await serving.exited).code).toBe(0);
  }, 30_000);
});
