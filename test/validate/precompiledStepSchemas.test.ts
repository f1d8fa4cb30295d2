/**
 * `validate` checks built-in step types with the validators the build compiled ahead of time
 * (found by schema identity): a python step type made for the project's interpreter must find the
 * same schema as the built-in one, or every validate of a project with a python step compiles its
 * schemas with ajv at run time (about 70 ms of start-up).
 */
import { expect, it } from "vitest";
import { pythonStep, pythonStepType } from "../../src/step-types/python/index.js";
import { projectStepTypes } from "../../src/step-types/registry.js";
import { builtInSchemas } from "../../src/validate/builtInSchemas.js";
import { fullStepSchema } from "../../src/validate/fullStepSchema.js";

it("a python step type made for another interpreter has the built-in python schema, and its precompiled id", () => {
  const other = pythonStepType("/opt/python3.12/bin/python3");
  expect(fullStepSchema(other)).toBe(fullStepSchema(pythonStep));
  expect(builtInSchemas().idOf.get(fullStepSchema(other))).toBe("step:python");
});

it("every step type of a project's registry has a precompiled id", () => {
  for (const type of projectStepTypes({ pythonInterpreter: "python3.11" })) {
    expect(builtInSchemas().idOf.get(fullStepSchema(type)), type.name).toBe(`step:${type.name}`);
  }
});
