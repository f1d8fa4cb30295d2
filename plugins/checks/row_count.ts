/**
 * An example plugin step type: fails unless a table's row count is within bounds. Add it to a
 * project with `step_types: [checks/row_count.ts]` in nomaflow.yaml, then use `type: row_count`.
 */
import { ConnectorName, defineStepType, quoteIdentifier, StepError, Type } from "nomaflow";

const TABLE = "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?$";

export const rowCount = defineStepType({
  name: "row_count",
  description: "Fails unless a table's row count is between min and max.",
  fields: Type.Object(
    {
      connector: ConnectorName({ description: "Connector the table is on." }),
      table: Type.String({ pattern: TABLE, description: "table or schema.table" }),
      min: Type.Optional(Type.Integer({ minimum: 0, description: "Fewest rows allowed." })),
      max: Type.Optional(Type.Integer({ minimum: 0, description: "Most rows allowed." })),
    },
    { additionalProperties: false },
  ),
  check(fields) {
    if (fields.min === undefined && fields.max === undefined) return [{ path: [], message: "a row_count step needs min, max or both" }];
    if (fields.min !== undefined && fields.max !== undefined && fields.min > fields.max) {
      return [{ path: ["min"], message: `min (${fields.min}) is above max (${fields.max})` }];
    }
    return [];
  },
  async run(fields, context, signal) {
    const table = fields.table.split(".").map(quoteIdentifier).join(".");
    const rows = Number(await context.connector(fields.connector).scalar(`select count(*) from ${table}`, [], { signal, applicationName: context.applicationName }));
    context.log("info", `${fields.table} has ${rows} rows`);
    if (fields.min !== undefined && rows < fields.min) throw new StepError(`${fields.table} has ${rows} rows, fewer than ${fields.min}`, { retryable: false });
    if (fields.max !== undefined && rows > fields.max) throw new StepError(`${fields.table} has ${rows} rows, more than ${fields.max}`, { retryable: false });
    return { rows };
  },
});
