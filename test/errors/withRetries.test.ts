import { describe, expect, it } from "vitest";
import { withRetries } from "../../src/errors/withRetries.js";

/** Work that fails `failures` times, then returns "done"; notes each try's number. */
function flaky(failures: number, error: unknown = new Error("boom")) {
  const tries: number[] = [];
  return {
    tries,
    work: async (tryNumber: number) => {
      tries.push(tryNumber);
      if (tries.length <= failures) throw error;
      return "done";
    },
  };
}

describe("withRetries", () => {
  it("tries again after the waits asked for, and tells of each failure", async () => {
    const { work, tries } = flaky(2);
    const waits: number[] = [];
    const failures: Array<[number, number | null]> = [];
    const outcome = await withRetries(work, {
      tries: 3,
      waitMs: (tryNumber) => tryNumber * 10,
      onFailure: (_error, tryNumber, waitMs) => failures.push([tryNumber, waitMs]),
      sleep: async (ms) => void waits.push(ms),
    });
    expect(outcome).toEqual({ ok: true, value: "done", tries: 3 });
    expect(tries).toEqual([1, 2, 3]);
    expect(waits).toEqual([10, 20]);
    expect(failures).toEqual([
      [1, 10],
      [2, 20],
    ]);
  });

  it("stops when the tries run out, or at a failure that is not retryable, with no wait after it", async () => {
    const error = new Error("permanent");
    const outOfTries = await withRetries(flaky(5).work, { tries: 2, waitMs: () => 0 });
    expect(outOfTries).toMatchObject({ ok: false, tries: 2, interrupted: false });

    const failures: Array<number | null> = [];
    const notRetryable = await withRetries(flaky(5, error).work, {
      tries: 5,
      retryable: (caught) => caught !== error,
      waitMs: () => 0,
      onFailure: (_error, _tryNumber, waitMs) => failures.push(waitMs),
    });
    expect(notRetryable).toEqual({ ok: false, error, tries: 1, interrupted: false });
    expect(failures).toEqual([null]);
  });

  it("starts no other try once the signal has fired, and ends a wait at once when it fires", async () => {
    const aborted = new AbortController();
    aborted.abort();
    expect(await withRetries(flaky(5).work, { tries: 5, waitMs: () => 0, signal: aborted.signal })).toMatchObject({ ok: false, tries: 1, interrupted: false });

    const during = new AbortController();
    const started = performance.now();
    const outcome = await withRetries(flaky(5).work, {
      tries: 5,
      waitMs: () => 60_000,
      onFailure: () => setTimeout(() => during.abort(), 20),
      signal: during.signal,
    });
    expect(outcome).toMatchObject({ ok: false, tries: 1, interrupted: true });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("lets what beforeTry throws through, as no failed try", async () => {
    const problem = new Error("log closed");
    const { work, tries } = flaky(0);
    await expect(
      withRetries(work, {
        tries: 3,
        waitMs: () => 0,
        beforeTry: () => {
          throw problem;
        },
      }),
    ).rejects.toBe(problem);
    expect(tries).toEqual([]);
  });
});
