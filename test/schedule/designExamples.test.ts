// DESIGN 6.1 worked examples, row by row (`nomaflow cron EXPR --tz ZONE --from FROM -n N`).
import { describe, it } from "vitest";
import { expectFires } from "./fireTimesHelper.js";

describe("DESIGN 6.1 worked examples", () => {
  it("fixed time skipped by spring-forward fires once at the first instant after the gap", () => {
    expectFires("0 2 * * *", "Europe/Paris", "2027-03-27T12:00:00+01:00", ["2027-03-28T03:00:00+02:00", "2027-03-29T02:00:00+02:00"]);
  });

  it("several skipped fixed times collapse into one fire", () => {
    expectFires("0,30 2 * * *", "Europe/Paris", "2027-03-27T12:00:00+01:00", ["2027-03-28T03:00:00+02:00", "2027-03-29T02:00:00+02:00"]);
  });

  it("a wildcard schedule follows real elapsed time across spring-forward", () => {
    expectFires("*/15 * * * *", "Europe/Paris", "2027-03-28T01:40:00+01:00", [
      "2027-03-28T01:45:00+01:00",
      "2027-03-28T03:00:00+02:00",
      "2027-03-28T03:15:00+02:00",
    ]);
  });

  it("a repeated fixed time fires once, at the first occurrence", () => {
    expectFires("30 2 * * *", "Europe/Paris", "2026-10-24T12:00:00+02:00", ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]);
  });

  it("a wildcard schedule fires a repeated wall time at both occurrences", () => {
    expectFires("30 * * * *", "Europe/Paris", "2026-10-25T01:45:00+02:00", [
      "2026-10-25T02:30:00+02:00",
      "2026-10-25T02:30:00+01:00",
      "2026-10-25T03:30:00+01:00",
    ]);
  });

  it("a 30-minute spring-forward (Lord Howe) moves the skipped fire to the end of the gap", () => {
    expectFires("15 2 * * *", "Australia/Lord_Howe", "2027-10-02T12:00:00+10:30", ["2027-10-03T02:30:00+11:00", "2027-10-04T02:15:00+11:00"]);
  });

  it("day-of-month and day-of-week are OR-ed when neither starts with *", () => {
    expectFires("0 9 1-7 * 1", "UTC", "2026-11-28T00:00:00+00:00", ["2026-11-30T09:00:00+00:00", "2026-12-01T09:00:00+00:00", "2026-12-02T09:00:00+00:00"]);
  });
});
