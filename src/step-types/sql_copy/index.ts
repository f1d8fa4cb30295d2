import { hasReference } from "../../templates/template.js";
import { defineStepType } from "../stepType.js";
import { lazyRun } from "../loadOnce.js";
import { sqlCopyFields } from "./sqlCopyFields.js";

export const sqlCopyStep = defineStepType({
  name: "sql_copy",
  description: "Streams rows with COPY from a source table or query into a target table.",
  fields: sqlCopyFields,
  check(fields) {
    const { source } = fields;
    if (source.table === undefined && source.query === undefined) {
      return [{ path: ["source"], message: "source needs a table or a query", hint: "add `table: NAME` or `query: SELECT …`" }];
    }
    if (source.table !== undefined && source.query !== undefined) {
      return [{ path: ["source", "query"], message: "source has both a table and a query; give one of them" }];
    }
    if (source.query !== undefined && source.schema !== undefined) {
      return [{ path: ["source", "schema"], message: "source.schema applies to a table, not to a query; remove it or name the schema in the query" }];
    }
    // A mode written as ${…} may turn out to be the one the field is for.
    if (fields.overwrite_method !== undefined && fields.mode !== "overwrite" && !hasReference(fields.mode)) {
      return [
        { path: ["overwrite_method"], severity: "warning", message: `overwrite_method is only used by mode overwrite; this step's mode is ${fields.mode}` },
      ];
    }
    if (fields.key !== undefined && fields.mode !== "upsert" && !hasReference(fields.mode)) {
      return [{ path: ["key"], severity: "warning", message: `key is only used by mode upsert; this step's mode is ${fields.mode}` }];
    }
    return [];
  },
  // The engine loads only when a step of this type runs, so `validate` stays quick to start.
  run: lazyRun(async () => (await import("./runSqlCopy.js")).runSqlCopy),
});
