/**
 * Which database errors are worth another try, by SQLSTATE: one classification for every step
 * that talks to a database (sql, sql_copy, node and python through their connectors). The
 * end-to-end cases run on real PostgreSQL in sqlCopyErrors.test.ts and sqlCopyFaults.test.ts.
 */
import { describe, expect, it } from "vitest";
import { databaseStepError, isPermanentDatabaseError } from "../../src/connectors/connectionErrors.js";
import { ConnectorError } from "../../src/errors/nomaflowError.js";

const failure = (code: string) => Object.assign(new Error(`failed with ${code}`), { code });

describe("database errors: retried only when another try can pass", () => {
  it.each(["08006", "08001", "40001", "40P01", "57P01", "57P02", "57P03", "57014", "53300", "53100", "55P03"])("%s is retried", (code) => {
    expect(isPermanentDatabaseError(failure(code))).toBe(false);
    expect(databaseStepError(new ConnectorError("db", "x", { cause: failure(code) })).retryable).toBe(true);
  });

  it.each(["42809", "42704", "428C9", "42601", "22001", "22008", "22012", "23505", "23502", "42501", "28P01", "3D000", "XX000", "P0001"])(
    "%s fails at once",
    (code) => {
      expect(isPermanentDatabaseError(failure(code))).toBe(true);
      expect(databaseStepError(new ConnectorError("db", "x", { cause: failure(code) })).retryable).toBe(false);
    },
  );

  it("a network fault without a SQLSTATE is retried, EPIPE and ECONNRESET included", () => {
    for (const code of ["EPIPE", "ECONNRESET", "ECONNREFUSED"]) expect(isPermanentDatabaseError(failure(code))).toBe(false);
    expect(isPermanentDatabaseError(new Error("Connection terminated unexpectedly"))).toBe(false);
  });
});
