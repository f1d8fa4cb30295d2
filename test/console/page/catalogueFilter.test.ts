// The catalogue's search, tag filter and how often it is asked for again.
import { describe, expect, it } from "vitest";
import type { JobCard } from "../../../src/console/consoleApi.js";
import { POLL_HIDDEN_MS, POLL_SHOWN_MS, catalogueRefreshMs, filterJobs, noFireText, runningJobs } from "../../../src/console/page/catalogueFilter.js";

const job = (id: string, extra: Partial<JobCard> = {}): JobCard => ({
  id,
  file: `jobs/${id}.yaml`,
  description: null,
  tags: [],
  enabled: true,
  schedule: null,
  nextFires: [],
  dstNotes: [],
  lastRun: null,
  recent: [],
  paramCount: 0,
  stepCount: 1,
  ...extra,
});

const jobs = [
  job("reporting-nightly-sync", { description: "Nightly refresh of the reporting store", tags: ["etl", "nightly"] }),
  job("orders-hourly", { tags: ["etl", "hourly"], file: "jobs/sales/orders.yaml" }),
  job("adhoc-export", { description: "GDPR export", tags: ["manual"] }),
];

describe("filterJobs", () => {
  it("matches every word, in any case, against id, description, file and tags", () => {
    expect(filterJobs(jobs, "", "").map((item) => item.id)).toEqual(["reporting-nightly-sync", "orders-hourly", "adhoc-export"]);
    expect(filterJobs(jobs, "REFRESH store", "").map((item) => item.id)).toEqual(["reporting-nightly-sync"]);
    expect(filterJobs(jobs, "sales", "").map((item) => item.id)).toEqual(["orders-hourly"]);
    expect(filterJobs(jobs, "  etl   hourly ", "").map((item) => item.id)).toEqual(["orders-hourly"]);
    expect(filterJobs(jobs, "nothing-like-this", "")).toEqual([]);
  });

  it("keeps the jobs with the chosen tag, with the search on top", () => {
    expect(filterJobs(jobs, "", "etl").map((item) => item.id)).toEqual(["reporting-nightly-sync", "orders-hourly"]);
    expect(filterJobs(jobs, "orders", "etl").map((item) => item.id)).toEqual(["orders-hourly"]);
    expect(filterJobs(jobs, "", "eT")).toEqual([]);
  });
});

describe("noFireText", () => {
  const schedule = { expression: "0 2 * * *", timezone: "UTC", words: "At 02:00, every day" };

  it("says a disabled job is not fired, as nomaflow next says it", () => {
    expect(noFireText({ schedule, enabled: false })).toBe("disabled: the daemon does not fire it");
    expect(noFireText({ schedule, enabled: true })).toBe("no fire to come");
    expect(noFireText({ schedule: null, enabled: false })).toBe("—");
  });
});

describe("runningJobs and catalogueRefreshMs", () => {
  const running = job("busy", {
    lastRun: { runId: "r1", status: "running", trigger: "manual", startedAt: "2026-12-06T01:00:00.000Z", durationMs: null, host: null },
  });
  const overlapping = job("overlap", { recent: [{ runId: "r2", status: "running", durationMs: null }] });

  it("counts the jobs with a run going, by their badge or their recent runs", () => {
    expect(runningJobs({ jobs })).toBe(0);
    expect(runningJobs({ jobs: [...jobs, running, overlapping] })).toBe(2);
  });

  it("asks again every two seconds while shown (a run started elsewhere shows within ~3 s), now and then while hidden", () => {
    expect(catalogueRefreshMs(false)).toBe(POLL_SHOWN_MS);
    expect(POLL_SHOWN_MS).toBeLessThanOrEqual(2000);
    expect(catalogueRefreshMs(true)).toBe(POLL_HIDDEN_MS);
  });
});
