import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Type } from "@sinclair/typebox";
import { Reference, SqlText } from "../../schema/common.js";
import { defineStepType } from "../stepType.js";
import { lazyRun } from "../loadOnce.js";

export const sqlFields = Type.Object(
  {
    connector: Reference("connector", { description: "Connector to run the SQL on." }),
    sql: Type.Optional(SqlText({ description: "The SQL text, one or more statements (or give file); each ${…} is written as a quoted SQL value." })),
    file: Type.Optional(Type.String({ minLength: 1, description: "Path of a .sql file, from the project folder (or give sql)." })),
  },
  { additionalProperties: false },
);

export const sqlStep = defineStepType({
  name: "sql",
  description: "Runs SQL on one connector in one transaction; output: rows affected.",
  fields: sqlFields,
  check(fields, context) {
    if ((fields.sql === undefined) === (fields.file === undefined)) {
      return [{ path: [], message: "an sql step needs exactly one of `sql` and `file`" }];
    }
    if (fields.file !== undefined && !fields.file.includes("${") && !existsSync(resolve(context.projectRoot, fields.file))) {
      return [{ path: ["file"], message: `file ${fields.file} does not exist (paths are relative to the project folder)` }];
    }
    return [];
  },
  // The engine loads only when a step of this type runs, so `validate` stays quick to start.
  run: lazyRun(async () => (await import("./runSqlStep.js")).runSqlStep),
});
