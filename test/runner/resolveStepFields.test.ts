/** Fields after their `${…}` are resolved: booleans follow the one rule (true or false), and a bad value is named where it is. */
import { Type } from "@sinclair/typebox";
import { expect, it } from "vitest";
import { StepError } from "../../src/errors/nomaflowError.js";
import { resolveStepFields, type ResolveScope } from "../../src/runner/resolveStepFields.js";
import { shellFields } from "../../src/step-types/shell/index.js";

const schema = Type.Object({ flag: Type.Boolean() }, { additionalProperties: false });
const scope = (value: unknown): ResolveScope => ({
  env: { FLAG: String(value) },
  params: { flag: value },
  jobId: "job",
  runId: "run",
  logicalDate: { scheduledFor: "2026-12-06T02:00:00+01:00", intervalStart: "2026-12-05T02:00:00+01:00", intervalEnd: "2026-12-06T02:00:00+01:00" },
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

it("names the element when a lone ${…} in an argv command becomes a list", () => {
  const outputs = new Map([["list", { items: ["a", "b"] }]]);
  const attempt = () => resolveStepFields({ command: ["echo", "hi", "${steps.list.output.items}"] }, shellFields, { ...scope("x"), outputs });
  expect(attempt).toThrow("after interpolation, `command[2]` must be a string, got a list");
  // A value of neither allowed shape is still described as a whole.
  expect(() => resolveStepFields({ command: "${params.flag}" }, shellFields, scope({ a: 1 }))).toThrow(
    "after interpolation, `command` must be a command line or a list of arguments, got a map",
  );
});
