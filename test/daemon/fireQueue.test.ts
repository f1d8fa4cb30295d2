/** The one queue of next fires: pops in time order whatever the order of pushes. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FireQueue } from "../../src/daemon/fireQueue.js";

describe("FireQueue", () => {
  it("pops entries in order of their time", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000 })), (times) => {
        const queue = new FireQueue();
        times.forEach((at, index) => queue.push({ at, jobId: `j${index}`, version: 1 }));
        const popped: number[] = [];
        for (let entry = queue.pop(); entry; entry = queue.pop()) popped.push(entry.at);
        expect(popped).toEqual([...times].sort((a, b) => a - b));
        expect(queue.size).toBe(0);
      }),
    );
  });
});
