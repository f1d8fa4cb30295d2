// The page's hash routes: every address the contract names, ids with any character, and the rest.
import { describe, expect, it } from "vitest";
import { apiPath, historyHref, parseRoute, runHref, runNowHref } from "../../../src/console/page/routes.js";

describe("parseRoute", () => {
  it("opens the catalogue for an empty hash and #/jobs", () => {
    expect(parseRoute("")).toEqual({ page: "jobs" });
    expect(parseRoute("#/")).toEqual({ page: "jobs" });
    expect(parseRoute("#/jobs")).toEqual({ page: "jobs" });
    expect(parseRoute("#/jobs/")).toEqual({ page: "jobs" });
  });

  it("reads each page of the contract", () => {
    expect(parseRoute("#/jobs/nightly/run")).toEqual({ page: "run-now", jobId: "nightly" });
    expect(parseRoute("#/jobs/nightly/history")).toEqual({ page: "history", jobId: "nightly" });
    expect(parseRoute("#/runs/20261206-020000-a1b2")).toEqual({ page: "run", runId: "20261206-020000-a1b2" });
    expect(parseRoute("#/connectors")).toEqual({ page: "connectors" });
    expect(parseRoute("#/cron")).toEqual({ page: "cron" });
    expect(parseRoute("#/cluster")).toEqual({ page: "cluster" });
  });

  it("round-trips an id whatever its characters", () => {
    for (const id of ["a/b", "été ok", "x?y#z", "100%"]) {
      expect(parseRoute(runNowHref(id))).toEqual({ page: "run-now", jobId: id });
      expect(parseRoute(historyHref(id))).toEqual({ page: "history", jobId: id });
      expect(parseRoute(runHref(id))).toEqual({ page: "run", runId: id });
    }
  });

  it("says not-found for anything else, a bad escape included", () => {
    expect(parseRoute("#/settings")).toEqual({ page: "not-found", hash: "#/settings" });
    expect(parseRoute("#/runs/%E0%A4%A")).toEqual({ page: "not-found", hash: "#/runs/%E0%A4%A" });
    expect(parseRoute("#/jobs/x/edit")).toEqual({ page: "not-found", hash: "#/jobs/x/edit" });
  });
});

describe("apiPath", () => {
  it("is relative (a proxy's prefix is kept) and escapes each segment", () => {
    expect(apiPath("jobs")).toBe("api/jobs");
    expect(apiPath("jobs", "a/b", "runs")).toBe("api/jobs/a%2Fb/runs");
    expect(apiPath("connectors", "ops db", "test")).toBe("api/connectors/ops%20db/test");
  });
});
