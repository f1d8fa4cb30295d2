// Time zone names in job files: what is accepted and what is suggested instead.
import { describe, expect, it } from "vitest";
import { isValidTimezone, suggestTimezone } from "../../src/schedule/timezones.js";

describe("isValidTimezone", () => {
  it.each(["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "America/Sao_Paulo", "Asia/Kolkata", "UTC", "Etc/UTC", "US/Eastern", "Etc/GMT+5"])(
    "accepts %s",
    (name) => expect(isValidTimezone(name)).toBe(true),
  );

  it.each(["Europe/Pariss", "europe/paris", "utc", "asia/kolkata", "Mars/Olympus_Mons", "", "Paris", "+02:00"])("rejects %j", (name) =>
    expect(isValidTimezone(name)).toBe(false),
  );
});

describe("suggestTimezone", () => {
  it.each([
    ["Europe/Pariss", "Europe/Paris"],
    ["europe/paris", "Europe/Paris"],
    ["EUROPE/PARIS", "Europe/Paris"],
    ["utc", "UTC"],
    ["asia/kolkata", "Asia/Kolkata"],
    ["America/New_Yrok", "America/New_York"],
    ["America/New York", "America/New_York"],
    ["Australia/Lord_Howe ", "Australia/Lord_Howe"],
    ["Pariss", "Europe/Paris"],
    ["us/eastern", "America/New_York"],
  ])("%j → %s", (name, suggestion) => expect(suggestTimezone(name)).toBe(suggestion));

  it.each(["Mars/Olympus_Mons", "", "zzzzzzzz"])("offers nothing for %j", (name) => expect(suggestTimezone(name)).toBeUndefined());
});
