/**
 * The sql_copy step's own checks (run by `validate`): fields that only one mode uses are flagged
 * in the others, as warnings.
 */
import { describe, expect, it } from "vitest";
import { sqlCopyStep } from "../../../src/step-types/sql_copy/index.js";

const step = (extra: Record<string, unknown>) => ({
  source: { connector: "src", table: "film" },
  target: { connector: "dst", table: "film" },
  ...extra,
});

describe("sql_copy checks", () => {
  it("warns when overwrite_method is given to a mode that is not overwrite", () => {
    expect(sqlCopyStep.check!(step({ mode: "upsert", overwrite_method: "replace" }) as never, {} as never)).toEqual([
      { path: ["overwrite_method"], severity: "warning", message: "overwrite_method is only used by mode overwrite; this step's mode is upsert" },
    ]);
    expect(sqlCopyStep.check!(step({ mode: "overwrite", overwrite_method: "replace", refresh_materialized_views: true }) as never, {} as never)).toEqual([]);
  });
});
