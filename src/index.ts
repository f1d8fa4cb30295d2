/**
 * The API for plugin authors: define step types with `defineStepType` and TypeBox schemas.
 * Everything else in the package is internal and may change.
 */
export { defineStepType } from "./step-types/stepType.js";
export type { LogLevel, StepCheckContext, StepFieldProblem, StepOutput, StepRunContext, StepType } from "./step-types/stepType.js";
export type { NodeStepContext, PluginConnector, PluginLog } from "./step-types/node/nodeContext.js";
export { StepError } from "./errors.js";
/** A string field that names a connector of nomaflow.yaml: `validate` checks that it exists. */
export { ConnectorName } from "./schema/common.js";
export { Type } from "@sinclair/typebox";
export type { Static, TObject } from "@sinclair/typebox";
