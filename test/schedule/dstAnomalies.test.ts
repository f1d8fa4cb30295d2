// `nomaflow validate`'s daylight-saving warnings (DESIGN 6.1): what each change does to a job.
import { describe, expect, it } from "vitest";
import { dstAnomalies } from "../../src/schedule/dstAnomalies.js";
import { nextFireTimes } from "../../src/schedule/nextFireTimes.js";
import { parseCron } from "../../src/schedule/parseCron.js";

const anomalies = (cron: string, zone: string, from: string, until: string) => dstAnomalies(parseCron(cron), zone, Date.parse(from), Date.parse(until));

describe("dstAnomalies for fixed-time schedules", () => {
  it("Paris 2027: 02:00 is skipped in March and repeated in October", () => {
    expect(anomalies("0 2 * * *", "Europe/Paris", "2027-01-01T00:00:00+01:00", "2028-01-01T00:00:00+01:00")).toEqual([
      {
        kind: "skipped",
        localDate: "2027-03-28",
        wallTimes: ["02:00"],
        count: 1,
        changeAt: Date.parse("2027-03-28T03:00:00+02:00"),
        firesAt: [Date.parse("2027-03-28T03:00:00+02:00")],
        message: "on 2027-03-28 the clocks jump from 02:00 to 03:00 in Europe/Paris: 02:00 does not exist, so the job fires once at 03:00 (+02:00)",
      },
      {
        kind: "repeated",
        localDate: "2027-10-31",
        wallTimes: ["02:00"],
        count: 1,
        changeAt: Date.parse("2027-10-31T02:00:00+01:00"),
        firesAt: [Date.parse("2027-10-31T02:00:00+02:00")],
        message: "on 2027-10-31 02:00 happens twice in Europe/Paris: the job fires once, at the first 02:00 (+02:00)",
      },
    ]);
  });

  it("Paris autumn 2026: 02:30 repeats and fires on the first pass", () => {
    const found = anomalies("30 2 * * *", "Europe/Paris", "2026-07-01T00:00:00+02:00", "2027-01-01T00:00:00+01:00");
    expect(found.map((anomaly) => anomaly.message)).toEqual([
      "on 2026-10-25 02:30 happens twice in Europe/Paris: the job fires once, at the first 02:30 (+02:00)",
    ]);
  });

  it("Paris spring: several skipped times are named and fire once", () => {
    const [found] = anomalies("0,30 2 * * *", "Europe/Paris", "2027-03-01T00:00:00+01:00", "2027-04-01T00:00:00+02:00");
    expect(found?.message).toBe(
      "on 2027-03-28 the clocks jump from 02:00 to 03:00 in Europe/Paris: 02:00, 02:30 do not exist, so the job fires once at 03:00 (+02:00)",
    );
    expect(found?.firesAt).toEqual([Date.parse("2027-03-28T03:00:00+02:00")]);
  });

  it("Lord Howe: a 30-minute gap", () => {
    expect(anomalies("15 2 * * *", "Australia/Lord_Howe", "2027-01-01T00:00:00+11:00", "2028-01-01T00:00:00+11:00").map((a) => a.message)).toEqual([
      "on 2027-10-03 the clocks jump from 02:00 to 02:30 in Australia/Lord_Howe: 02:15 does not exist, so the job fires once at 02:30 (+11:00)",
    ]);
  });

  it("Sao Paulo: changes at midnight", () => {
    expect(anomalies("0 0 * * *", "America/Sao_Paulo", "2018-10-01T00:00:00-03:00", "2018-12-01T00:00:00-02:00").map((a) => a.message)).toEqual([
      "on 2018-11-04 the clocks jump from 00:00 to 01:00 in America/Sao_Paulo: 00:00 does not exist, so the job fires once at 01:00 (-02:00)",
    ]);
    expect(anomalies("30 23 * * *", "America/Sao_Paulo", "2019-01-01T00:00:00-02:00", "2019-03-01T00:00:00-03:00").map((a) => a.message)).toEqual([
      "on 2019-02-16 23:30 happens twice in America/Sao_Paulo: the job fires once, at the first 23:30 (-02:00)",
    ]);
  });

  it("a schedule clear of the changed hours has none", () => {
    expect(anomalies("0 4 * * *", "Europe/Paris", "2026-01-01T00:00:00+01:00", "2028-01-01T00:00:00+01:00")).toEqual([]);
    expect(anomalies("0 2 * * *", "Asia/Kolkata", "2026-01-01T00:00:00+05:30", "2028-01-01T00:00:00+05:30")).toEqual([]);
    expect(anomalies("0 2 * * *", "UTC", "2026-01-01T00:00:00+00:00", "2028-01-01T00:00:00+00:00")).toEqual([]);
  });

  it("a schedule whose day does not fall on the change day has none", () => {
    // 2027-03-28 and 2027-10-31 are Sundays.
    expect(anomalies("0 2 * * MON", "Europe/Paris", "2027-01-01T00:00:00+01:00", "2028-01-01T00:00:00+01:00")).toEqual([]);
  });
});

describe("dstAnomalies for wildcard schedules", () => {
  it("Paris spring: each skipped fire is named", () => {
    expect(anomalies("*/15 * * * *", "Europe/Paris", "2027-03-01T00:00:00+01:00", "2027-04-01T00:00:00+02:00")).toEqual([
      {
        kind: "skipped",
        localDate: "2027-03-28",
        wallTimes: ["02:00", "02:15", "02:30", "02:45"],
        count: 4,
        changeAt: Date.parse("2027-03-28T03:00:00+02:00"),
        firesAt: [],
        message: "on 2027-03-28 the clocks jump from 02:00 to 03:00 in Europe/Paris: fires at 02:00, 02:15, 02:30, 02:45 are skipped",
      },
    ]);
  });

  it("Paris autumn: a repeated wall time fires on both passes", () => {
    const [found] = anomalies("30 * * * *", "Europe/Paris", "2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00");
    expect(found?.message).toBe("on 2026-10-25 02:30 happens twice in Europe/Paris: the job fires at both 02:30 (+02:00) and 02:30 (+01:00)");
    expect(found?.firesAt).toEqual([Date.parse("2026-10-25T02:30:00+02:00"), Date.parse("2026-10-25T02:30:00+01:00")]);
  });

  it("every minute: the message names the first few and the total", () => {
    const [found] = anomalies("* * * * *", "Europe/Paris", "2027-03-01T00:00:00+01:00", "2027-04-01T00:00:00+02:00");
    expect(found?.message).toBe("on 2027-03-28 the clocks jump from 02:00 to 03:00 in Europe/Paris: fires at 02:00, 02:01, 02:02 … (60 in all) are skipped");
    expect(found?.wallTimes).toHaveLength(60);
  });

  it("every second: 3600 skipped, 60 listed with their seconds", () => {
    const [found] = anomalies("* * * * * *", "Europe/Paris", "2027-03-01T00:00:00+01:00", "2027-04-01T00:00:00+02:00");
    expect(found?.count).toBe(3600);
    expect(found?.wallTimes.slice(0, 2)).toEqual(["02:00:00", "02:00:01"]);
    expect(found?.wallTimes).toHaveLength(60);
  });
});

describe("dstAnomalies agrees with nextFireTimes", () => {
  it.each([
    ["0,30 2 * * *", "Europe/Paris"],
    ["30 2 * * *", "Europe/Paris"],
    ["*/20 * * * *", "Europe/Paris"],
    ["15,45 1,2 * * *", "Australia/Lord_Howe"],
    ["30 1 * * *", "America/New_York"],
  ])("%s in %s: every instant in firesAt is a fire time", (expression, zone) => {
    const cron = parseCron(expression);
    const from = Date.parse("2026-01-01T00:00:00Z");
    const until = Date.parse("2028-01-01T00:00:00Z");
    const found = dstAnomalies(cron, zone, from, until);
    expect(found.length).toBeGreaterThan(0);
    for (const anomaly of found) {
      for (const instant of anomaly.firesAt) {
        expect(nextFireTimes(cron, zone, instant - 1, 1)).toEqual([instant]);
      }
    }
  });
});
