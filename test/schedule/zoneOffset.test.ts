import fc from "fast-check";
import { IANAZone } from "luxon";
import { describe, expect, it } from "vitest";
import { isKnownZone, zoneOffsetMs } from "../../src/schedule/zoneOffset.js";

const ZONES = [
  "Europe/Paris",
  "America/New_York",
  "Australia/Lord_Howe",
  "America/Sao_Paulo",
  "Asia/Kolkata",
  "UTC",
  "Pacific/Chatham",
  "America/St_Johns",
  "Asia/Kathmandu",
  "Africa/Casablanca",
];

describe("zoneOffsetMs", () => {
  it("agrees with luxon's IANAZone for any instant from 1800 to 2200", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(1800, 0, 1), max: Date.UTC(2200, 0, 1) }), (zone, instant) => {
        expect(zoneOffsetMs(zone, instant)).toBe(IANAZone.create(zone).offset(instant) * 60_000);
      }),
      { numRuns: 2000 },
    );
  });

  it("knows the offsets on both sides of a change (Paris, spring 2027)", () => {
    const change = Date.parse("2027-03-28T01:00:00Z");
    expect(zoneOffsetMs("Europe/Paris", change - 1)).toBe(3_600_000);
    expect(zoneOffsetMs("Europe/Paris", change)).toBe(7_200_000);
    expect(zoneOffsetMs("Australia/Lord_Howe", Date.parse("2027-01-01T00:00:00Z"))).toBe(11 * 3_600_000);
  });

  it("tells known zones from unknown ones", () => {
    expect(isKnownZone("Europe/Paris")).toBe(true);
    expect(isKnownZone("UTC")).toBe(true);
    expect(isKnownZone("Europe/Pariss")).toBe(false);
    expect(isKnownZone("")).toBe(false);
  });
});
