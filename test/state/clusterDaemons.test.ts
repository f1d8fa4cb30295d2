/** Which daemons `nomaflow cluster` flags for running other job definitions: a pure function of the list and this copy's hash. */
import { describe, expect, it } from "vitest";
import { definitionMismatch, type ClusterDaemon, type LeaseState } from "../../src/state/clusterDaemons.js";

const at = new Date("2027-01-01T00:00:00Z");
const daemon = (id: string, definitionsHash: string, lease: LeaseState = "alive"): ClusterDaemon => ({
  id,
  host: id,
  pid: 1,
  version: "0.1.0",
  projectRevision: "rev",
  definitionsHash,
  maxRuns: null,
  startedAt: at,
  heartbeatAt: at,
  heartbeatAgeMs: 0,
  leaseUntil: at,
  runsGoing: 0,
  stoppedAt: null,
  deadAt: null,
  declaredDeadBy: null,
  lease,
});
const flagged = (daemons: ClusterDaemon[], local: string) => [...definitionMismatch(daemons, local).flagged].sort();

describe("definition mismatch", () => {
  it("flags the daemons that differ from the majority of alive ones, this copy agreeing with it", () => {
    const daemons = [daemon("a", "x"), daemon("b", "x"), daemon("c", "y")];
    expect(flagged(daemons, "x")).toEqual(["c"]);
    expect(definitionMismatch(daemons, "x")).toMatchObject({ majority: "x", majorityCount: 2 });
  });

  it("flags every daemon when this copy differs from all of them", () => {
    expect(flagged([daemon("a", "x"), daemon("b", "x")], "z")).toEqual(["a", "b"]);
  });

  it("breaks a tie in favour of this copy's definitions, and flags both sides of a tie it is not in", () => {
    expect(flagged([daemon("a", "x"), daemon("b", "y")], "y")).toEqual(["a"]);
    expect(definitionMismatch([daemon("a", "x"), daemon("b", "y")], "z").majority).toBeUndefined();
    expect(flagged([daemon("a", "x"), daemon("b", "y")], "z")).toEqual(["a", "b"]);
  });

  it("counts only alive daemons for the majority, and never flags stopped or dead ones", () => {
    const daemons = [daemon("a", "x"), daemon("b", "y", "expired"), daemon("c", "y", "dead"), daemon("d", "y", "stopped"), daemon("e", "y", "stopped")];
    expect(flagged(daemons, "x")).toEqual(["b"]);
    expect(flagged([daemon("b", "y", "expired")], "x")).toEqual(["b"]);
    expect(flagged([daemon("a", "x", "stopped")], "y")).toEqual([]);
  });
});
