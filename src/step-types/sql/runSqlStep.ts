import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Static } from "@sinclair/typebox";
import { databaseStepError } from "../../connectors/connectionErrors.js";
import { StepError } from "../../errors/nomaflowError.js";
import type { StepOutput, StepRunContext } from "../stepType.js";
import type { sqlFields } from "./index.js";

/**
 * Runs the step's SQL (one or several statements) in one transaction on its connector; a timeout
 * or an interrupt cancels the statement on the server and rolls back. Output: rows affected.
 */
export async function runSqlStep(fields: Static<typeof sqlFields>, context: StepRunContext, signal: AbortSignal): Promise<StepOutput> {
  let text = fields.sql;
  if (text === undefined) {
    const path = resolve(context.projectRoot, fields.file!);
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new StepError(`cannot read ${fields.file}: ${(error as Error).message}`, { cause: error, retryable: false });
    }
  }
  const sql = text;
  try {
    const rowsAffected = await context.connector(fields.connector).withSession(
      async (session) => {
        await session.query("begin");
        const result = await session.query(sql);
        await session.query("commit");
        return result.rowCount;
      },
      { signal, applicationName: context.applicationName },
    );
    context.log("info", `${rowsAffected} rows affected`);
    return { rows_affected: rowsAffected };
  } catch (error) {
    // A failed session is closed, not reused, so its open transaction is rolled back by the server.
    throw databaseStepError(error);
  }
}
