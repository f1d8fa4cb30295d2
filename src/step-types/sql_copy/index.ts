import { Type } from "@sinclair/typebox";
import { hasReference } from "../../project/template.js";
import { EXPECTED, Reference, SqlText } from "../../schema/common.js";
import { defineStepType } from "../stepType.js";
import { lazyRun } from "../loadOnce.js";

const Schema = () => Type.Optional(Type.String({ minLength: 1, default: "public", description: "Schema of the table." }));

export const sqlCopyFields = Type.Object(
  {
    source: Type.Object(
      {
        connector: Reference("connector", { description: "Connector to read from." }),
        schema: Schema(),
        table: Type.Optional(Type.String({ minLength: 1, description: "Table to copy (or give query)." })),
        query: Type.Optional(SqlText({ description: "SELECT whose rows are copied (or give table); each ${…} is written as a quoted SQL value." })),
      },
      { additionalProperties: false },
    ),
    target: Type.Object(
      {
        connector: Reference("connector", { description: "Connector to write to." }),
        schema: Schema(),
        table: Type.String({ minLength: 1, description: "Table to fill; created from the source's columns when missing." }),
      },
      { additionalProperties: false },
    ),
    mode: Type.Union([Type.Literal("overwrite"), Type.Literal("append"), Type.Literal("upsert")], {
      description: "overwrite: atomic swap of a full copy; append: insert all rows; upsert: update by key, insert the rest.",
    }),
    key: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
        description: "Upsert key columns; default: the target's primary key.",
        [EXPECTED]: "a column name or a list of column names",
      }),
    ),
    overwrite_method: Type.Optional(
      Type.Union([Type.Literal("auto"), Type.Literal("swap"), Type.Literal("replace")], {
        default: "auto",
        description:
          "overwrite only. swap: load a copy beside the table and swap it in; replace: delete and insert the rows in one transaction; auto: swap where it can be done, else replace.",
      }),
    ),
    refresh_materialized_views: Type.Optional(
      Type.Boolean({ default: false, description: "Refresh the materialized views that read the target, in the same transaction as the rows where there is one." }),
    ),
    batch_size: Type.Optional(
      Type.Integer({ minimum: 1, default: 10000, description: "Rows between two progress events." }),
    ),
    format: Type.Optional(
      Type.Union([Type.Literal("auto"), Type.Literal("binary"), Type.Literal("text")], {
        default: "auto",
        description: "COPY format: auto = binary when every column has the same built-in type on both sides, else text.",
      }),
    ),
  },
  { additionalProperties: false },
);

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
      return [{ path: ["overwrite_method"], severity: "warning", message: `overwrite_method is only used by mode overwrite; this step's mode is ${fields.mode}` }];
    }
    if (fields.key !== undefined && fields.mode !== "upsert" && !hasReference(fields.mode)) {
      return [{ path: ["key"], severity: "warning", message: `key is only used by mode upsert; this step's mode is ${fields.mode}` }];
    }
    return [];
  },
  // The engine loads only when a step of this type runs, so `validate` stays quick to start.
  run: lazyRun(async () => (await import("./runSqlCopy.js")).runSqlCopy),
});
