/** A `${…}` that fills a boolean field follows the one rule for booleans: true or false. */
import { Type } from "@sinclair/typebox";
import { expect, it } from "vitest";
import { StepError } from "../../src/errors.js";
import { resolveStepFields, type ResolveScope } from "../../src/runner/resolveStepFields.js";

const schema = Type.Object({ flag: Type.Boolean() }, { additionalProperties: false });
const scope = (value: unknown): ResolveScope => ({
  env: { FLAG: String(value) },
  params: { flag: value },
  jobId: "job",
  runId: "run",
  scheduledFor: null,
  outputs: new Map(),
  missingOutputs: new Map(),
});

it("converts the text true and false to a boolean field, and refuses yes, on and 1 as -p does", () => {
  expect(resolveStepFields({ flag: "${env:FLAG}" }, schema, scope("true")).fields).toEqual({ flag: true });
  expect(resolveStepFields({ flag: "${params.flag}" }, schema, scope("false")).fields).toEqual({ flag: false });
  for (const text of ["yes", "on", "1", "True"]) {
    const attempt = () => resolveStepFields({ flag: "${env:FLAG}" }, schema, scope(text));
    expect(attempt).toThrow(StepError);
    expect(attempt).toThrow(`after interpolation, \`flag\` must be true or false, got "${text}"`);
  }
});
