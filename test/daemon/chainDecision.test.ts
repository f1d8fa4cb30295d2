/** When a chained job starts for a logical date, from how the runs it waits for stand (chains/chainDecision.ts). */
import { describe, expect, it } from "vitest";
import { chainDecision } from "../../src/daemon/chains/chainDecision.js";
import type { ChainRunStatus, UpstreamRun } from "../../src/daemon/chains/chainStore.js";

const runs = (statuses: Record<string, ChainRunStatus>) =>
  new Map<string, UpstreamRun>(Object.entries(statuses).map(([jobId, status]) => [jobId, { jobId, runId: `run-of-${jobId}`, status }]));
const after = ["a", "b"];

describe("chainDecision", () => {
  it("waits while a job has no run for the date or its run is going, whatever on says", () => {
    for (const on of ["success", "failure", "always"] as const) {
      expect(chainDecision(after, on, runs({ a: "failed" }))).toEqual({ decision: "wait", waitingFor: ["b"] });
      expect(chainDecision(after, on, runs({ a: "running", b: "succeeded" }))).toEqual({ decision: "wait", waitingFor: ["a"] });
    }
  });

  it("success: all succeeded; failure: all ended and not all succeeded; always: all ended — success and failure never both", () => {
    const ended: ChainRunStatus[] = ["succeeded", "failed", "interrupted", "abandoned"];
    for (const a of ended) {
      for (const b of ended) {
        const latest = runs({ a, b });
        const allSucceeded = a === "succeeded" && b === "succeeded";
        const success = chainDecision(after, "success", latest).decision;
        const failure = chainDecision(after, "failure", latest).decision;
        expect(success, `${a}, ${b}`).toBe(allSucceeded ? "start" : "skip");
        expect(failure, `${a}, ${b}`).toBe(allSucceeded ? "skip" : "start");
        expect(chainDecision(after, "always", latest).decision).toBe("start");
      }
    }
  });

  it("gives the runs followed in after's order", () => {
    const decision = chainDecision(["b", "a"], "always", runs({ a: "failed", b: "succeeded" }));
    expect(decision).toEqual({
      decision: "start",
      runs: [
        { jobId: "b", runId: "run-of-b", status: "succeeded" },
        { jobId: "a", runId: "run-of-a", status: "failed" },
      ],
    });
  });
});
