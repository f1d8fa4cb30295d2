/** Fields after their `${…}` are resolved: booleans follow the one rule (true or false), and a bad value is named where it is. */
import { Type } from "@sinclair/typebox";
import { expect, it } from "vitest";
import { StepError } from "../../src/errors/nomaflowError.js";
import { resolveStepFields, type ResolveScope } from "../../src/runner/resolveStepFields.js";
import { shellFields } from "../../src/step-types/shell/index.js";
import { sqlFields } from "../../src/step-types/sql/index.js";

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

it("gives a run's logical date, its interval and their :date and :utc forms, as text and as SQL values", () => {
  // The fall-back night in Paris: the interval is 25 hours long, and the day is the local one.
  const logicalDate = { scheduledFor: "2026-10-26T02:30:00+01:00", intervalStart: "2026-10-25T02:30:00+02:00", intervalEnd: "2026-10-26T02:30:00+01:00" };
  const command =
    "${run.scheduled_for} ${run.interval_start} ${run.interval_end} ${run.interval_start:date} ${run.scheduled_for:utc} ${run.interval_start:utc}";
  expect(resolveStepFields({ command }, shellFields, { ...scope("x"), logicalDate }).fields.command).toBe(
    "2026-10-26T02:30:00+01:00 2026-10-25T02:30:00+02:00 2026-10-26T02:30:00+01:00 2026-10-25 2026-10-26T01:30:00+00:00 2026-10-25T00:30:00+00:00",
  );
  const sql = "select * from t where at >= ${run.interval_start:utc} and at < ${run.interval_end:utc} and day = ${run.scheduled_for:date}";
  expect(resolveStepFields({ connector: "db", sql }, sqlFields, { ...scope("x"), logicalDate }).fields.sql).toBe(
    "select * from t where at >= '2026-10-25T00:30:00+00:00' and at < '2026-10-26T01:30:00+00:00' and day = '2026-10-26'",
  );
});
