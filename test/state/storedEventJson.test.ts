/** What the store keeps of an event (escapes PostgreSQL refuses, sizes), and how store problems are told. */
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/run-logs/runEvents.js";
import { storableJson, storedEventJson, TRUNCATION_MARK, unstorableStub } from "../../src/state/storedEventJson.js";
import { StoreProblems } from "../../src/state/storeProblems.js";

const log = (message: string): RunEvent => ({ ts: "2026-11-28T01:00:00.000Z", event: "log", run_id: "r", job_id: "j", step: "s", level: "info", message });
const stored = (text: string) => (JSON.parse(storableJson(JSON.stringify(text))) as string).split("");

describe("storableJson", () => {
  it("replaces NUL and lone surrogate halves, and only those", () => {
    expect(stored("a\u0000b").join("")).toBe("a\ufffdb");
    expect(stored("\ud800x\udc00").join("")).toBe("\ufffdx\ufffd");
    // A pair is one character, written as itself by JSON.stringify.
    expect(stored("😀").join("")).toBe("😀");
    // Text that reads like an escape (a backslash, then u0000) is not one.
    expect(stored("\\u0000").join("")).toBe("\\u0000");
    expect(stored("\\\u0000").join("")).toBe("\\\ufffd");
    expect(stored("\\\\u0000").join("")).toBe("\\\\u0000");
    expect(stored("\u0000\u0000").join("")).toBe("\ufffd\ufffd");
  });
});

describe("storedEventJson", () => {
  it("keeps an event within the limit as it is", () => {
    expect(storedEventJson(log("hello"), 1000)).toBe(JSON.stringify(log("hello")));
  });

  it("cuts the long strings of an event over the limit, and marks it", () => {
    const event = log("é".repeat(5000));
    const json = storedEventJson(event, 4096);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(4096);
    expect(JSON.parse(json)).toEqual({
      ...event,
      message: `${"é".repeat(256)}… [cut: 5000 characters]`,
      [TRUNCATION_MARK]: { original_bytes: Buffer.byteLength(JSON.stringify(event)) },
    });
  });

  it("keeps a stub of an event too large even cut: its stamp, step and the mark", () => {
    const event = { ...log("x"), output: Object.fromEntries(Array.from({ length: 2000 }, (_, index) => [`key${index}`, index])) } as unknown as RunEvent;
    const json = storedEventJson(event, 4096);
    expect(JSON.parse(json)).toEqual({
      ts: event.ts,
      event: "log",
      run_id: "r",
      job_id: "j",
      step: "s",
      [TRUNCATION_MARK]: { original_bytes: Buffer.byteLength(JSON.stringify(event)) },
    });
  });

  it("stubs an event the store refused, saying why", () => {
    expect(JSON.parse(unstorableStub(JSON.stringify(log("x")), "bad value"))).toEqual({
      ts: "2026-11-28T01:00:00.000Z",
      event: "log",
      run_id: "r",
      job_id: "j",
      step: "s",
      nomaflow_unstorable: "bad value",
    });
  });
});

describe("StoreProblems", () => {
  it("tells one problem per interval, counts the ones held back, and says once when it is over", () => {
    let now = 0;
    const told: string[] = [];
    const problems = new StoreProblems(
      (message) => told.push(message),
      60_000,
      () => now,
    );
    problems.recovered("fine again");
    problems.problem("down");
    now = 1_000;
    problems.problem("down");
    problems.problem("down");
    now = 61_000;
    problems.problem("still down");
    problems.recovered("fine again");
    problems.recovered("fine again");
    expect(told).toEqual(["down", "still down (2 more problems since the last report)", "fine again"]);
  });
});
