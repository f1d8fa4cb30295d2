import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "../../src/runner/retryDelay.js";

const policy = { attempts: 5, backoff: "exponential" as const, baseSeconds: 10, maxSeconds: 60, jitter: 0 };

describe("retryDelaySeconds", () => {
  it("doubles after each try when exponential, up to max_seconds", () => {
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelaySeconds(policy, attempt))).toEqual([10, 20, 40, 60, 60]);
  });

  it("keeps base_seconds when fixed", () => {
    expect([1, 2, 3].map((attempt) => retryDelaySeconds({ ...policy, backoff: "fixed" }, attempt))).toEqual([10, 10, 10]);
  });

  it("varies by up to the jitter fraction either way", () => {
    const jittered = { ...policy, backoff: "fixed" as const, jitter: 0.2 };
    expect(retryDelaySeconds(jittered, 1, () => 0)).toBe(8);
    expect(retryDelaySeconds(jittered, 1, () => 0.5)).toBe(10);
    expect(retryDelaySeconds(jittered, 1, () => 0.999999)).toBeCloseTo(12, 3);
  });
});
