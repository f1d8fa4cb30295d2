/**
 * The scheduler across daylight-saving changes (DESIGN 6.1), on an injected clock: whole weeks
 * simulated in milliseconds, each fire checked against the exact instant the rules give, and
 * fired at that instant (trigger schedule, no lateness).
 */
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "./fakeClock.js";
import { TestDaemon, writeProject } from "./schedulerHarness.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** `day` of the month at a local time with its offset: days(24, 25, "2026-10", "02:30:00", "+02:00"). */
function days(first: number, last: number, month: string, time: string, offset: string): string[] {
  const out: string[] = [];
  for (let day = first; day <= last; day++) out.push(`${month}-${String(day).padStart(2, "0")}T${time}${offset}`);
  return out;
}

async function simulate(jobs: Parameters<typeof writeProject>[0], from: string, to: string) {
  const project = writeProject(jobs);
  cleanups.push(project.remove);
  const clock = new FakeClock(from);
  // An hour between heartbeats keeps a simulated fortnight to a few thousand wake-ups.
  const daemon = await TestDaemon.start(project.root, clock, { launcher: "record", heartbeatMs: 3_600_000 });
  cleanups.push(() => daemon.stop());
  await clock.runUntil(to);
  const firesOf = (job: string) => daemon.fires.filter((fire) => fire.daemonJob.job.id === job);
  return { daemon, firesOf };
}

describe("a simulated autumn week: Europe/Paris falls back on 2026-10-25, America/New_York on 2026-11-01", () => {
  it("fires a fixed-time job once at the first pass of a repeated hour, and an hourly job on both passes", async () => {
    const { daemon, firesOf } = await simulate(
      {
        "paris-nightly": { cron: "30 2 * * *", timezone: "Europe/Paris" },
        "ny-seconds": { cron: "15 30 1 * * *", timezone: "America/New_York" },
        "paris-hourly": { cron: "0 * * * *", timezone: "Europe/Paris" },
      },
      "2026-10-24T00:00:00Z",
      "2026-11-02T12:00:00Z",
    );

    expect(firesOf("paris-nightly").map((fire) => fire.scheduledFor)).toEqual([
      ...days(24, 25, "2026-10", "02:30:00", "+02:00"),
      ...days(26, 31, "2026-10", "02:30:00", "+01:00"),
      ...days(1, 2, "2026-11", "02:30:00", "+01:00"),
    ]);
    expect(firesOf("ny-seconds").map((fire) => fire.scheduledFor)).toEqual([
      ...days(24, 31, "2026-10", "01:30:15", "-04:00"),
      "2026-11-01T01:30:15-04:00",
      "2026-11-02T01:30:15-05:00",
    ]);

    const hourly = firesOf("paris-hourly").map((fire) => fire.scheduledFor);
    expect(hourly).toHaveLength(9 * 24 + 12);
    const fallBack = hourly.filter((at) => at.startsWith("2026-10-25T0"));
    expect(fallBack.slice(0, 5)).toEqual([
      "2026-10-25T00:00:00+02:00",
      "2026-10-25T01:00:00+02:00",
      "2026-10-25T02:00:00+02:00",
      "2026-10-25T02:00:00+01:00",
      "2026-10-25T03:00:00+01:00",
    ]);
    expect(hourly.filter((at) => at.startsWith("2026-10-25"))).toHaveLength(25);

    // Each fire happened at its exact instant, on time.
    for (const fire of daemon.fires) {
      expect(fire.trigger).toBe("schedule");
      expect(fire.launchedAt).toBe(fire.scheduledForMs);
      expect(Date.parse(fire.scheduledFor)).toBe(fire.scheduledForMs);
    }
    expect(daemon.events("missed")).toEqual([]);
    expect(daemon.events("fired")).toHaveLength(daemon.fires.length);
  });
});

describe("a simulated spring fortnight: America/New_York springs forward on 2027-03-14, Europe/Paris on 2027-03-28", () => {
  it("fires a fixed-time job skipped by the gap once, at the first instant after it; an hourly job skips the hour", async () => {
    const { daemon, firesOf } = await simulate(
      {
        "paris-nightly": { cron: "30 2 * * *", timezone: "Europe/Paris" },
        "ny-seconds": { cron: "0 30 2 * * *", timezone: "America/New_York" },
        "ny-hourly": { cron: "0 * * * *", timezone: "America/New_York" },
      },
      "2027-03-13T00:00:00Z",
      "2027-03-29T12:00:00Z",
    );

    expect(firesOf("paris-nightly").map((fire) => fire.scheduledFor)).toEqual([
      ...days(13, 27, "2027-03", "02:30:00", "+01:00"),
      "2027-03-28T03:00:00+02:00",
      "2027-03-29T02:30:00+02:00",
    ]);
    expect(firesOf("ny-seconds").map((fire) => fire.scheduledFor)).toEqual([
      "2027-03-13T02:30:00-05:00",
      "2027-03-14T03:00:00-04:00",
      ...days(15, 29, "2027-03", "02:30:00", "-04:00"),
    ]);
    const hourly = firesOf("ny-hourly").map((fire) => fire.scheduledFor);
    expect(hourly).toHaveLength(16 * 24 + 12);
    expect(hourly.filter((at) => at.startsWith("2027-03-14T0")).slice(0, 4)).toEqual([
      "2027-03-14T00:00:00-05:00",
      "2027-03-14T01:00:00-05:00",
      "2027-03-14T03:00:00-04:00",
      "2027-03-14T04:00:00-04:00",
    ]);
    for (const fire of daemon.fires) {
      expect(fire.trigger).toBe("schedule");
      expect(fire.launchedAt).toBe(fire.scheduledForMs);
    }
  });
});
