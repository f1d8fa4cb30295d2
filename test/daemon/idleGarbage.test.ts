/**
 * When the daemon gives back memory: after a quiet second with no run going, once per burst of
 * runs (and once for start-up), never with a fire near. The collection itself is V8's, checked
 * against the real inspector at the end.
 */
import { describe, expect, it } from "vitest";
import { IdleGarbage, type IdleMoment } from "../../src/daemon/idleGarbage.js";

function counting() {
  let collections = 0;
  const idle = new IdleGarbage({ collect: async () => void collections++, quietMs: 1000, marginMs: 2000 });
  return { idle, collections: () => collections };
}

const at = (nowMs: number, runsStarted: number, untilNextFireMs: number | undefined = 60_000): IdleMoment => ({ nowMs, runsStarted, untilNextFireMs });

describe("IdleGarbage", () => {
  it("collects the start-up garbage once the daemon has been quiet for a second", async () => {
    const { idle, collections } = counting();
    expect(await idle.whenIdle(at(0, 0))).toBe(false);
    expect(await idle.whenIdle(at(500, 0))).toBe(false);
    expect(await idle.whenIdle(at(1000, 0))).toBe(true);
    expect(await idle.whenIdle(at(5000, 0))).toBe(false);
    expect(collections()).toBe(1);
  });

  it("collects again after runs, once, when they are over and quiet", async () => {
    const { idle, collections } = counting();
    await idle.whenIdle(at(0, 0));
    await idle.whenIdle(at(1000, 0));
    // 1,000 runs started and ended between two idle moments: the quiet second starts now.
    expect(await idle.whenIdle(at(15_000, 1000))).toBe(false);
    expect(await idle.whenIdle(at(15_900, 1000))).toBe(false);
    expect(await idle.whenIdle(at(16_000, 1000))).toBe(true);
    expect(await idle.whenIdle(at(17_000, 1000))).toBe(false);
    expect(collections()).toBe(2);
  });

  it("does not collect when the next fire is near, and does once it is far again", async () => {
    const { idle, collections } = counting();
    await idle.whenIdle(at(0, 0, 1500));
    expect(await idle.whenIdle(at(1000, 0, 500))).toBe(false);
    expect(await idle.whenIdle(at(1500, 0, undefined))).toBe(true);
    expect(collections()).toBe(1);
  });

  it("keeps a wider margin before a fire after a slow collection", async () => {
    let clock = 0;
    const idle = new IdleGarbage({ collect: async () => void (clock += 1500), quietMs: 0, marginMs: 2000, monotonicNow: () => clock });
    expect(await idle.whenIdle(at(0, 0, 10_000))).toBe(true);
    // The last one took 1.5 s: the next waits for a fire at least 4.5 s away.
    expect(await idle.whenIdle(at(10_000, 5, 4000))).toBe(false);
    expect(await idle.whenIdle(at(11_000, 5, 5000))).toBe(true);
  });

  it("collects after a reload even without runs", async () => {
    const { idle, collections } = counting();
    await idle.whenIdle(at(0, 0));
    await idle.whenIdle(at(1000, 0));
    idle.noteGarbage();
    expect(await idle.whenIdle(at(2000, 0))).toBe(true);
    expect(collections()).toBe(2);
  });

  it("gives memory back through the inspector", async () => {
    const idle = new IdleGarbage({ quietMs: 0, marginMs: 0 });
    // Made and dropped inside a function: nothing refers to it once the function returns.
    const before = (() => {
      const garbage = Array.from({ length: 200_000 }, (_, index) => ({ index, text: `item ${index}` }));
      expect(garbage).toHaveLength(200_000);
      return process.memoryUsage().heapUsed;
    })();
    expect(await idle.whenIdle(at(0, 0))).toBe(true);
    expect(process.memoryUsage().heapUsed).toBeLessThan(before - 5 * 1024 * 1024);
  });
});
