import { Type, type TObject } from "@sinclair/typebox";
import { commonStepProperties } from "../schema/jobSchema.js";
import type { StepType } from "../step-types/stepType.js";

/** By the fields' schema, all the result depends on: a python type made for another interpreter shares it, and so its precompiled validator. */
const stepSchemas = new WeakMap<TObject, TObject>();

/**
 * A step type's fields plus the common ones, closed to anything else. `name` and `type` were
 * checked with the job, so they are only declared here. The fields' own `required` list is kept
 * as given: a plugin may write its schema as plain JSON Schema rather than with TypeBox.
 */
export function fullStepSchema(type: StepType): TObject {
  let schema = stepSchemas.get(type.fields);
  if (!schema) {
    const base = Type.Object(
      { ...commonStepProperties, ...type.fields.properties, name: Type.Unknown(), type: Type.Unknown() },
      { additionalProperties: false },
    );
    const required = Array.isArray(type.fields.required) ? type.fields.required : [];
    schema = { ...base, required: ["name", "type", ...required.filter((field) => field !== "name" && field !== "type")] };
    stepSchemas.set(type.fields, schema);
  }
  return schema;
}
