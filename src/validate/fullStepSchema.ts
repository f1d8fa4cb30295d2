import { Type, type TObject } from "@sinclair/typebox";
import { commonStepProperties } from "../schema/jobSchema.js";
import type { StepType } from "../step-types/stepType.js";

const stepSchemas = new WeakMap<StepType, TObject>();

/**
 * A step type's fields plus the common ones, closed to anything else. `name` and `type` were
 * checked with the job, so they are only declared here.
 */
export function fullStepSchema(type: StepType): TObject {
  let schema = stepSchemas.get(type);
  if (!schema) {
    schema = Type.Object({ ...commonStepProperties, ...type.fields.properties, name: Type.Unknown(), type: Type.Unknown() }, { additionalProperties: false });
    stepSchemas.set(type, schema);
  }
  return schema;
}
