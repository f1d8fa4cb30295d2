/**
 * How the daemon starts runs: the job's default parameters, a job that cannot start (a required
 * parameter without a default) logged and skipped, and the run's alert events in the daemon log.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startReceiver } from "../support/httpReceiver.js";
import { makeProject } from "../support/tempProject.js";
import { FakeClock } from "./fakeClock.js";
import { TestDaemon } from "./schedulerHarness.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function start(files: Record<string, string>, at: string) {
  const made = makeProject({ "nomaflow.yaml": "runs_dir: runs\n", ...files });
  cleanups.push(made.remove);
  const clock = new FakeClock(at);
  const daemon = await TestDaemon.start(made.root, clock, { launcher: "real", heartbeatMs: 60_000 });
  cleanups.push(() => daemon.stop());
  return { clock, daemon };
}

describe("starting runs", () => {
  it("a required parameter without a default cannot be given to a fire: logged as fire_failed, nothing runs", async () => {
    const { clock, daemon } = await start(
      {
        "jobs/needs.yaml": `id: needs\nschedule: { cron: "0 * * * *", timezone: UTC }\nparams:\n  day: { type: string, required: true }\nsteps:\n  - { name: work, type: probe, behaviour: succeed }\n`,
      },
      "2027-01-01T00:59:00Z",
    );
    await clock.runUntil("2027-01-01T01:00:00Z");
    expect(daemon.events("fire_failed")).toMatchObject([
      { level: "error", job: "needs", scheduled_for: "2027-01-01T01:00:00+00:00", error: expect.stringContaining("day") },
    ]);
    expect(daemon.scheduler.runningCount).toBe(0);
  });

  it("copies a failed run's alert deliveries into the daemon log", async () => {
    const hook = await startReceiver((_, response) => {
      response.statusCode = 204;
      response.end();
    });
    cleanups.push(() => hook.close());
    const { clock, daemon } = await start(
      {
        "nomaflow.yaml": `runs_dir: runs\nnotifications:\n  channels:\n    hook: { type: webhook, url: "${hook.url}/alert" }\n  default: [hook]\n`,
        "jobs/breaks.yaml": `id: breaks\nschedule: { cron: "0 * * * *", timezone: UTC }\nsteps:\n  - { name: work, type: probe, behaviour: fail, retryable: false }\n`,
      },
      "2027-01-01T00:59:00Z",
    );
    await clock.runUntil("2027-01-01T01:00:00Z");
    await daemon.scheduler.settled();
    expect(daemon.events("alert_sent")).toMatchObject([{ job: "breaks", channel: "hook", kind: "on_failure" }]);
    expect(daemon.events("run_finished")).toMatchObject([{ level: "warn", job: "breaks", status: "failed" }]);
  });
});
