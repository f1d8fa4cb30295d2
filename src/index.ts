/**
 * The API for plugin authors: define step types with `defineStepType` and TypeBox schemas.
 * Everything else in the package is internal and may change.
 */
export { defineStepType } from "./step-types/stepType.js";
export type { LogLevel, StepCheckContext, StepFieldProblem, StepOutput, StepRunContext, StepType } from "./step-types/stepType.js";
export type { NodeStepContext, PluginConnector, PluginLog } from "./step-types/node/nodeContext.js";
/** What `context.connector(name)` gives a step type, and the structured COPY its `copyIn`/`copyOut` take. */
export type { Connector, CopyFormat, CopyIn, CopyOut, Session, TableRef } from "./connectors/connector.js";
export { StepError } from "./errors/nomaflowError.js";
/** A string field that names a connector of nomaflow.yaml: `validate` checks that it exists. */
export { ConnectorName } from "./schema/common.js";
/** A string field of SQL text: each `${…}` in it is written as a quoted SQL value, as in the sql step. */
export { SqlText } from "./schema/common.js";
/** Quoting for SQL a plugin builds itself: a name as `"name"`, a text as a string constant, a JSON value as a literal of its type. */
export { quoteIdentifier, quoteLiteral, quoteValue } from "./sql/quoteSql.js";
export { Type } from "@sinclair/typebox";
export type { Static, TObject } from "@sinclair/typebox";
