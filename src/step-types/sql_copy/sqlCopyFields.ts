/** The fields of a sql_copy step: the schema `validate` checks and whose defaults the run reads. */
import { Type, type Static } from "@sinclair/typebox";
import { EXPECTED, Reference, SqlText } from "../../schema/common.js";

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
      Type.Boolean({
        default: false,
        description: "Refresh the materialized views that read the target, in the same transaction as the rows where there is one.",
      }),
    ),
    batch_size: Type.Optional(Type.Integer({ minimum: 1, default: 10000, description: "Rows between two progress events." })),
    format: Type.Optional(
      Type.Union([Type.Literal("auto"), Type.Literal("binary"), Type.Literal("text")], {
        default: "auto",
        description: "COPY format: auto = binary when every column has the same built-in type on both sides, else text.",
      }),
    ),
  },
  { additionalProperties: false },
);
export type SqlCopyFields = Static<typeof sqlCopyFields>;
