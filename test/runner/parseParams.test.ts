import { describe, expect, it } from "vitest";
import type { Job } from "../../src/project/job.js";
import { parseParams } from "../../src/runner/parseParams.js";

const job = {
  id: "sync",
  params: {
    threshold: { type: "number", default: 50 },
    limit: { type: "integer" },
    dry_run: { type: "boolean", default: false },
    region: { type: "string", enum: ["eu", "us"], default: "eu" },
    table: { type: "string", required: true },
  },
} as unknown as Job;

describe("parseParams", () => {
  it("converts values to their declared types and fills defaults", () => {
    expect(parseParams(job, ["threshold=12.5", "limit=3", "dry_run=true", "table=orders"])).toEqual({
      threshold: 12.5,
      limit: 3,
      dry_run: true,
      region: "eu",
      table: "orders",
    });
    expect(parseParams(job, ["table=a=b"])).toMatchObject({ table: "a=b", threshold: 50, dry_run: false });
  });

  it.each([
    [["table=x", "threshold=abc"], 'parameter threshold must be a number, got "abc"'],
    [["table=x", "limit=2.5"], 'parameter limit must be a whole number, got "2.5"'],
    [["table=x", "dry_run=maybe"], 'parameter dry_run must be true or false, got "maybe"'],
    // One rule for booleans, the one YAML files follow (where `on_failure: yes` is refused).
    [["table=x", "dry_run=yes"], 'parameter dry_run must be true or false, got "yes"'],
    [["table=x", "dry_run=on"], 'parameter dry_run must be true or false, got "on"'],
    [["table=x", "dry_run=1"], 'parameter dry_run must be true or false, got "1"'],
    [["table=x", "dry_run=TRUE"], 'parameter dry_run must be true or false, got "TRUE"'],
    [["table=x", "region=asia"], 'parameter region must be one of eu, us, got "asia"'],
    [["table=x", "treshold=1"], "unknown parameter treshold for job sync"],
    [["table=x", "table=y"], "parameter table is given twice"],
    [["threshold"], '-p "threshold": write -p name=value'],
    [[], "parameter table is required: give it with -p table=VALUE"],
  ])("refuses %j: %s", (assignments, message) => {
    expect(() => parseParams(job, assignments)).toThrow(message);
  });

  it("suggests the closest parameter name", () => {
    try {
      parseParams(job, ["table=x", "treshold=1"]);
    } catch (error) {
      expect((error as { hint?: string }).hint).toBe("did you mean `threshold`?");
      expect((error as { exitCode?: number }).exitCode).toBe(2);
    }
  });
});
