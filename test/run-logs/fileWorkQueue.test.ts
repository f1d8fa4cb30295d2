/** File work in bulk: a few requests start at once, the rest together on the next turn. */
import { describe, expect, it } from "vitest";
import { FileWorkQueue } from "../../src/run-logs/fileWorkQueue.js";

describe("FileWorkQueue", () => {
  it("starts the first requests at once and the others on the next turn, all of them together", async () => {
    const queue = new FileWorkQueue({ startAtOnce: 2 });
    const started: number[] = [];
    const finish: Array<() => void> = [];
    const results = Array.from({ length: 5 }, (_, index) =>
      queue.run(
        () =>
          new Promise<number>((resolve) => {
            started.push(index);
            finish.push(() => resolve(index * 10));
          }),
      ),
    );
    expect(started).toEqual([0, 1]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2, 3, 4]);
    for (const done of finish) done();
    expect(await Promise.all(results)).toEqual([0, 10, 20, 30, 40]);
  });

  it("passes on what the work throws, synchronously or not, and goes on with the rest", async () => {
    const queue = new FileWorkQueue({ startAtOnce: 1 });
    const thrown = queue.run(() => {
      throw new Error("EACCES");
    });
    const rejected = queue.run(() => Promise.reject(new Error("ENOSPC")));
    const fine = queue.run(async () => "ok");
    await expect(thrown).rejects.toThrow("EACCES");
    await expect(rejected).rejects.toThrow("ENOSPC");
    expect(await fine).toBe("ok");
    // Nothing is left counted as going: the next request starts at once.
    let startedNow = false;
    const next = queue.run(async () => void (startedNow = true));
    expect(startedNow).toBe(true);
    await next;
  });
});
