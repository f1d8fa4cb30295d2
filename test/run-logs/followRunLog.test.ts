import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { followRunLog } from "../../src/run-logs/followRunLog.js";
import type { RunEvent } from "../../src/run-logs/runEvents.js";
import { RunLogWriter } from "../../src/run-logs/runLogWriter.js";
import { newRunId } from "../../src/identity/runId.js";
import { exitedPid, sampleRunEvents, sampleRunStarted, writeSampleRun } from "./sampleRun.js";

let runsDir: string;
beforeEach(() => {
  runsDir = mkdtempSync(join(tmpdir(), "nomaflow-runs-"));
});
afterEach(() => rmSync(runsDir, { recursive: true, force: true }));

/** Follows `path` in the background, collecting events. */
function collect(path: string, options: Parameters<typeof followRunLog>[1] = {}) {
  const events: RunEvent[] = [];
  const done = (async () => {
    for await (const event of followRunLog(path, { pollMs: 50, ...options })) events.push(event);
  })();
  return { events, done };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe("followRunLog", () => {
  it("yields what is there, then each event as it is appended, and ends after the final event", async () => {
    const writer = RunLogWriter.open(runsDir, "nightly", newRunId(), (text) => text);
    const events = sampleRunEvents({ final: "run_succeeded" });
    events.slice(0, 3).forEach((event) => writer.write(event));
    const follow = collect(writer.path);
    await waitFor(() => follow.events.length === 3, "the first three events");
    for (const event of events.slice(3)) {
      writer.write(event);
      await sleep(5);
    }
    writer.close();
    await follow.done;
    expect(follow.events.map((event) => event.event)).toEqual(events.map((event) => event.event));
  });

  it("waits for a line to be complete, even one cut inside a multi-byte character", async () => {
    const writer = RunLogWriter.open(runsDir, "nightly", newRunId(), (text) => text);
    writer.write(sampleRunStarted());
    const follow = collect(writer.path);
    await waitFor(() => follow.events.length === 1, "run_started");
    const line = Buffer.from(
      `${JSON.stringify({ ts: new Date().toISOString(), event: "log", run_id: writer.runId, job_id: "nightly", step: null, level: "info", message: "café ✓" })}\n`,
    );
    const cut = line.indexOf(Buffer.from("é")) + 1;
    appendFileSync(writer.path, line.subarray(0, cut));
    await sleep(200);
    expect(follow.events).toHaveLength(1);
    appendFileSync(writer.path, line.subarray(cut));
    await waitFor(() => follow.events.length === 2, "the completed line");
    expect(follow.events[1]).toMatchObject({ event: "log", message: "café ✓" });
    writer.write({ event: "run_succeeded", duration_ms: 1 });
    writer.close();
    await follow.done;
    expect(follow.events).toHaveLength(3);
  });

  it("notices appends from the file system's change notices, without waiting for the poll", async () => {
    const writer = RunLogWriter.open(runsDir, "nightly", newRunId(), (text) => text);
    writer.write(sampleRunStarted());
    const follow = collect(writer.path, { pollMs: 60_000 });
    await waitFor(() => follow.events.length === 1, "run_started");
    const started = Date.now();
    writer.write({ event: "run_succeeded", duration_ms: 1 });
    writer.close();
    await follow.done;
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("ends without a final event when the writing process is gone", async () => {
    const pid = await exitedPid();
    const { path } = writeSampleRun(runsDir, { pid, eventCount: 6 });
    const follow = collect(path);
    await follow.done;
    expect(follow.events).toHaveLength(6);
    expect(follow.events.at(-1)?.event).toBe("step_progress");
  });

  it("ends when the signal aborts", async () => {
    const { path } = writeSampleRun(runsDir, { eventCount: 4 });
    const stop = new AbortController();
    const follow = collect(path, { signal: stop.signal, pollMs: 10_000 });
    await waitFor(() => follow.events.length === 4, "the events so far");
    const started = Date.now();
    stop.abort();
    await follow.done;
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("gives up on a log that never gets its run_started", async () => {
    const runId = newRunId(new Date(Date.now() - 60_000));
    const writer = RunLogWriter.open(runsDir, "nightly", runId, (text) => text);
    const follow = collect(writer.path);
    await follow.done;
    writer.close();
    expect(follow.events).toEqual([]);
  });
});
