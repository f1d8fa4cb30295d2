/**
 * The daemon's second stop signal, on the real process: the runs end at once (the step's process
 * group killed, not left for the grace period), the run log says so when it happens, exit 130.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, isRunning } from "../support/processState.js";
import { makeProject } from "../support/tempProject.js";
import { runLogs, secondOfDay, startDaemon } from "./daemonProcess.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Whether a process of the group still runs (zombies waiting to be collected do not count). */
function groupAlive(pgid: number): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z") return true;
  }
  return false;
}

describe("nomaflow daemon, second signal", () => {
  it("kills the step's process group at once, writes the run's end when it happens, and exits 130", async () => {
    const fireAt = Math.ceil((Date.now() + 4000) / 1000) * 1000;
    // The shell ignores SIGTERM (and so does its child): only a SIGKILL ends the group.
    const command = `trap '' TERM; echo $$ > ${"group.pid"}; sleep 60 & wait`;
    const made = makeProject({
      "nomaflow.yaml": "runs_dir: runs\n",
      "jobs/long.yaml": `id: long\nschedule: { cron: "${secondOfDay(fireAt)} * * *", timezone: UTC }\nsteps:\n  - { name: work, type: shell, command: "${command}" }\n`,
    });
    cleanups.push(made.remove);
    const daemon = startDaemon(made.root, ["--grace", "60"]);
    cleanups.push(() => {
      if (daemon.child.pid !== undefined && isRunning(daemon.child.pid)) daemon.child.kill("SIGKILL");
    });
    const pidFile = join(made.root, "group.pid");
    await daemon.waitFor((line) => line.event === "fired", 12_000);
    expect(await eventually(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "", 5000)).toBe(true);
    const pgid = Number(readFileSync(pidFile, "utf8").trim());
    cleanups.push(() => {
      if (groupAlive(pgid)) process.kill(-pgid, "SIGKILL");
    });

    daemon.child.kill("SIGTERM");
    await daemon.waitFor((line) => line.event === "stopping");
    expect(groupAlive(pgid)).toBe(true); // the first signal gives the run its grace
    const forcedAt = Date.now();
    daemon.child.kill("SIGTERM");
    const exit = await Promise.race([daemon.exited, new Promise((resolve) => setTimeout(() => resolve("still running 5 s after the second signal"), 5000))]);
    expect(exit).toEqual({ code: 130, signal: null });
    // SIGKILL went out before the exit; the kernel may take a moment to end the processes.
    expect(await eventually(() => !groupAlive(pgid), 500)).toBe(true);
    expect(Date.now() - forcedAt).toBeLessThan(5000);

    expect(daemon.events("forced_stop")).toMatchObject([{ signal: "SIGTERM", running: 1 }]);
    const [events] = runLogs(made.root, "long");
    const kinds = events!.map((event) => event.event);
    // The step's own end is in the log, before the run's: the run ended after its step did.
    expect(kinds.slice(-3)).toEqual(["step_attempt_failed", "step_failed", "run_interrupted"]);
    expect(events!.at(-1)).toMatchObject({ error: "stopped at once by a second interrupt" });
    expect(Date.parse(events!.at(-1)!.ts)).toBeGreaterThanOrEqual(Date.parse(daemon.events("forced_stop")[0]!.ts));
  }, 30_000);
});
