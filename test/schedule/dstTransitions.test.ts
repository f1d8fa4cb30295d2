// Daylight-saving conformance by zone. Transition facts (from the IANA tz database, as `zdump -v`
// prints them):
//   Europe/Paris        2027-03-28 02:00 → 03:00 (+01 → +02); 2026-10-25 03:00 → 02:00 (+02 → +01)
//   America/New_York    2026-03-08 02:00 → 03:00 (-05 → -04); 2026-11-01 02:00 → 01:00 (-04 → -05)
//   Australia/Lord_Howe 2027-10-03 02:00 → 02:30 (+10:30 → +11); 2027-04-04 02:00 → 01:30 (+11 → +10:30)
//   America/Sao_Paulo   2018-11-04 00:00 → 01:00 (-03 → -02); 2019-02-17 00:00 → 2019-02-16 23:00 (-02 → -03)
//   Asia/Kolkata        +05:30 all year; UTC +00:00 all year (controls)
import { describe, it } from "vitest";
import { expectFires } from "./fireTimesHelper.js";

interface Row {
  rule: string;
  cron: string;
  zone: string;
  from: string;
  fires: string[];
}

const rows: Row[] = [
  // Europe/Paris
  {
    rule: "fixed, spring: skipped time fires at the end of the gap",
    cron: "30 2 * * *",
    zone: "Europe/Paris",
    from: "2027-03-27T12:00:00+01:00",
    fires: ["2027-03-28T03:00:00+02:00", "2027-03-29T02:30:00+02:00"],
  },
  {
    rule: "fixed, spring: a skipped time landing on a real scheduled time fires once",
    cron: "0 2,3 * * *",
    zone: "Europe/Paris",
    from: "2027-03-27T12:00:00+01:00",
    fires: ["2027-03-28T03:00:00+02:00", "2027-03-29T02:00:00+02:00", "2027-03-29T03:00:00+02:00"],
  },
  {
    rule: "fixed, autumn: from between the two passes, the second pass does not fire",
    cron: "30 2 * * *",
    zone: "Europe/Paris",
    from: "2026-10-25T02:45:00+02:00",
    fires: ["2026-10-26T02:30:00+01:00"],
  },
  {
    rule: "fixed, autumn: from early in the second pass, the second 02:30 still does not fire",
    cron: "30 2 * * *",
    zone: "Europe/Paris",
    from: "2026-10-25T02:15:00+01:00",
    fires: ["2026-10-26T02:30:00+01:00", "2026-10-27T02:30:00+01:00"],
  },
  {
    rule: "fixed, autumn: the hour after the repeated one is unaffected",
    cron: "30 3 * * *",
    zone: "Europe/Paris",
    from: "2026-10-25T02:15:00+01:00",
    fires: ["2026-10-25T03:30:00+01:00"],
  },
  {
    rule: "wildcard, spring: skipped wall times do not fire",
    cron: "30 * * * *",
    zone: "Europe/Paris",
    from: "2027-03-28T01:00:00+01:00",
    fires: ["2027-03-28T01:30:00+01:00", "2027-03-28T03:30:00+02:00", "2027-03-28T04:30:00+02:00"],
  },
  {
    rule: "wildcard minute in a fixed hour follows elapsed time: the whole hour is skipped",
    cron: "*/20 2 * * *",
    zone: "Europe/Paris",
    from: "2027-03-27T12:00:00+01:00",
    fires: ["2027-03-29T02:00:00+02:00"],
  },
  {
    rule: "wildcard minute in a fixed hour, autumn: both passes fire, in instant order",
    cron: "*/20 2 * * *",
    zone: "Europe/Paris",
    from: "2026-10-25T01:59:00+02:00",
    fires: [
      "2026-10-25T02:00:00+02:00",
      "2026-10-25T02:20:00+02:00",
      "2026-10-25T02:40:00+02:00",
      "2026-10-25T02:00:00+01:00",
      "2026-10-25T02:20:00+01:00",
      "2026-10-25T02:40:00+01:00",
      "2026-10-26T02:00:00+01:00",
    ],
  },
  {
    rule: "wildcard, autumn: from inside the first pass, the passes interleave in instant order",
    cron: "*/30 * * * *",
    zone: "Europe/Paris",
    from: "2026-10-25T02:10:00+02:00",
    fires: ["2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00", "2026-10-25T03:00:00+01:00"],
  },
  {
    rule: "fixed, spring: from one millisecond before the jump, the skipped fire is still due",
    cron: "0 2 * * *",
    zone: "Europe/Paris",
    from: "2027-03-28T01:59:59.999+01:00",
    fires: ["2027-03-28T03:00:00+02:00"],
  },
  {
    rule: "fixed, spring: from the very instant of the jump, the skipped fire is not after it",
    cron: "0 2 * * *",
    zone: "Europe/Paris",
    from: "2027-03-28T03:00:00+02:00",
    fires: ["2027-03-29T02:00:00+02:00"],
  },
  {
    rule: "fixed, a year ahead: a skipped time of a once-a-year schedule fires at the jump",
    cron: "30 2 28 3 *",
    zone: "Europe/Paris",
    from: "2026-04-01T00:00:00+02:00",
    fires: ["2027-03-28T03:00:00+02:00", "2028-03-28T02:30:00+02:00"],
  },
  {
    rule: "fixed, a year ahead: a repeated time of a once-a-year schedule fires once",
    cron: "30 2 25 10 *",
    zone: "Europe/Paris",
    from: "2025-11-01T00:00:00+01:00",
    fires: ["2026-10-25T02:30:00+02:00", "2027-10-25T02:30:00+02:00"],
  },
  {
    rule: "wildcard, a year ahead: a once-a-year schedule still fires both passes",
    cron: "*/30 2 25 10 *",
    zone: "Europe/Paris",
    from: "2025-11-01T00:00:00+01:00",
    fires: ["2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00", "2027-10-25T02:00:00+02:00"],
  },
  {
    rule: "seconds schedule crosses spring-forward second by second",
    cron: "* * * * * *",
    zone: "Europe/Paris",
    from: "2027-03-28T01:59:58+01:00",
    fires: ["2027-03-28T01:59:59+01:00", "2027-03-28T03:00:00+02:00", "2027-03-28T03:00:01+02:00"],
  },

  // America/New_York
  {
    rule: "fixed, spring",
    cron: "30 2 * * *",
    zone: "America/New_York",
    from: "2026-03-07T12:00:00-05:00",
    fires: ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"],
  },
  {
    rule: "fixed, autumn: first occurrence only",
    cron: "30 1 * * *",
    zone: "America/New_York",
    from: "2026-10-31T12:00:00-04:00",
    fires: ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"],
  },
  {
    rule: "wildcard, spring",
    cron: "0 * * * *",
    zone: "America/New_York",
    from: "2026-03-08T00:30:00-05:00",
    fires: ["2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T04:00:00-04:00"],
  },
  {
    rule: "wildcard, autumn: both occurrences",
    cron: "0 * * * *",
    zone: "America/New_York",
    from: "2026-11-01T00:30:00-04:00",
    fires: ["2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00"],
  },

  // Australia/Lord_Howe: 30-minute shifts
  {
    rule: "fixed, autumn (April): first occurrence only",
    cron: "45 1 * * *",
    zone: "Australia/Lord_Howe",
    from: "2027-04-03T12:00:00+11:00",
    fires: ["2027-04-04T01:45:00+11:00", "2027-04-05T01:45:00+10:30"],
  },
  {
    rule: "wildcard, spring (October): 02:00 and 02:15 are skipped",
    cron: "*/15 * * * *",
    zone: "Australia/Lord_Howe",
    from: "2027-10-03T01:40:00+10:30",
    fires: ["2027-10-03T01:45:00+10:30", "2027-10-03T02:30:00+11:00", "2027-10-03T02:45:00+11:00"],
  },
  {
    rule: "wildcard, autumn (April): the repeated half hour fires twice",
    cron: "*/15 * * * *",
    zone: "Australia/Lord_Howe",
    from: "2027-04-04T01:20:00+11:00",
    fires: ["2027-04-04T01:30:00+11:00", "2027-04-04T01:45:00+11:00", "2027-04-04T01:30:00+10:30", "2027-04-04T01:45:00+10:30", "2027-04-04T02:00:00+10:30"],
  },

  // America/Sao_Paulo: historic changes at midnight
  {
    rule: "fixed, spring at midnight: the skipped midnight fires at 01:00",
    cron: "0 0 * * *",
    zone: "America/Sao_Paulo",
    from: "2018-11-03T12:00:00-03:00",
    fires: ["2018-11-04T01:00:00-02:00", "2018-11-05T00:00:00-02:00"],
  },
  {
    rule: "fixed, spring at midnight: several skipped times collapse",
    cron: "0,30 0 * * *",
    zone: "America/Sao_Paulo",
    from: "2018-11-03T12:00:00-03:00",
    fires: ["2018-11-04T01:00:00-02:00", "2018-11-05T00:00:00-02:00", "2018-11-05T00:30:00-02:00"],
  },
  {
    rule: "fixed, spring at midnight: the skipped day's weekday still counts (2018-11-04 is a Sunday)",
    cron: "0 0 * * SUN",
    zone: "America/Sao_Paulo",
    from: "2018-11-01T00:00:00-03:00",
    fires: ["2018-11-04T01:00:00-02:00", "2018-11-11T00:00:00-02:00"],
  },
  {
    rule: "fixed, autumn at midnight: 23:30 on the 16th repeats and fires once",
    cron: "30 23 * * *",
    zone: "America/Sao_Paulo",
    from: "2019-02-16T12:00:00-02:00",
    fires: ["2019-02-16T23:30:00-02:00", "2019-02-17T23:30:00-03:00"],
  },
  {
    rule: "fixed, autumn at midnight: midnight of the 17th exists once, after the change",
    cron: "0 0 * * *",
    zone: "America/Sao_Paulo",
    from: "2019-02-16T12:00:00-02:00",
    fires: ["2019-02-17T00:00:00-03:00", "2019-02-18T00:00:00-03:00"],
  },
  {
    rule: "wildcard, spring at midnight",
    cron: "*/30 * * * *",
    zone: "America/Sao_Paulo",
    from: "2018-11-03T23:15:00-03:00",
    fires: ["2018-11-03T23:30:00-03:00", "2018-11-04T01:00:00-02:00", "2018-11-04T01:30:00-02:00"],
  },
  {
    rule: "wildcard, autumn at midnight: 23:00 fires twice",
    cron: "0 * * * *",
    zone: "America/Sao_Paulo",
    from: "2019-02-16T22:30:00-02:00",
    fires: ["2019-02-16T23:00:00-02:00", "2019-02-16T23:00:00-03:00", "2019-02-17T00:00:00-03:00"],
  },

  // Controls: no daylight saving
  {
    rule: "Asia/Kolkata, fixed: Paris's spring day is an ordinary day",
    cron: "30 2 * * *",
    zone: "Asia/Kolkata",
    from: "2027-03-27T12:00:00+05:30",
    fires: ["2027-03-28T02:30:00+05:30", "2027-03-29T02:30:00+05:30"],
  },
  {
    rule: "Asia/Kolkata, wildcard: Paris's autumn day is an ordinary day",
    cron: "30 * * * *",
    zone: "Asia/Kolkata",
    from: "2026-10-25T01:45:00+05:30",
    fires: ["2026-10-25T02:30:00+05:30", "2026-10-25T03:30:00+05:30", "2026-10-25T04:30:00+05:30"],
  },
  { rule: "UTC, fixed", cron: "0 2 * * *", zone: "UTC", from: "2027-03-27T12:00:00+00:00", fires: ["2027-03-28T02:00:00+00:00", "2027-03-29T02:00:00+00:00"] },
  {
    rule: "UTC, wildcard",
    cron: "*/15 * * * *",
    zone: "UTC",
    from: "2027-03-28T01:40:00+00:00",
    fires: ["2027-03-28T01:45:00+00:00", "2027-03-28T02:00:00+00:00", "2027-03-28T02:15:00+00:00"],
  },
  {
    rule: "UTC, wildcard on Paris's autumn day",
    cron: "30 * * * *",
    zone: "UTC",
    from: "2026-10-25T01:45:00+00:00",
    fires: ["2026-10-25T02:30:00+00:00", "2026-10-25T03:30:00+00:00"],
  },
];

describe("daylight saving by zone", () => {
  for (const row of rows) {
    it(`${row.zone}: ${row.rule} (${row.cron})`, () => {
      expectFires(row.cron, row.zone, row.from, row.fires);
    });
  }
});
