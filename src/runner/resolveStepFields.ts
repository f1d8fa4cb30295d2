/**
 * Turns a step's fields, as written, into the values its run function receives: every `${…}`
 * resolved (in SQL text, written as quoted SQL values), then checked against the type's schema
 * (with strings converted where the schema wants a number or a boolean, as `${env:PORT}` would
 * need). A failure here is the job's fault, so it is never retried.
 */
import type { TObject } from "@sinclair/typebox";
import type { Ajv2020, ValidateFunction } from "ajv/dist/2020.js";
import { StepError } from "../errors/nomaflowError.js";
import { formatRunDate, renderValue, type PartsWriter, type TemplateReference } from "../templates/template.js";
import { writeSql } from "../templates/writeSql.js";
import type { StepOutput } from "../step-types/stepType.js";
import { SQL_TEXT } from "../schema/common.js";
import { createAjv } from "../validate/ajvInstance.js";
import { findMarkedStrings } from "../validate/references.js";
import { schemaProblems } from "../validate/schemaProblems.js";
import type { LogicalDate } from "./logicalDate.js";

export interface ResolveScope {
  env: Readonly<Record<string, string | undefined>>;
  params: Readonly<Record<string, unknown>>;
  jobId: string;
  runId: string;
  /** The run's logical date: `${run.scheduled_for}`, `${run.interval_start}`, `${run.interval_end}`. */
  logicalDate: LogicalDate;
  /** Outputs of the steps that succeeded so far. */
  outputs: ReadonlyMap<string, StepOutput>;
  /** Steps that ran and failed, or were skipped, to say why an output is missing. */
  missingOutputs: ReadonlyMap<string, string>;
}

export function resolveReference(reference: TemplateReference, scope: ResolveScope): unknown {
  switch (reference.kind) {
    case "env": {
      const value = scope.env[reference.name] ?? reference.fallback;
      if (value === undefined) throw new StepError(`environment variable ${reference.name} is not set`, { retryable: false });
      return value;
    }
    case "params":
      return scope.params[reference.name];
    case "job":
      return scope.jobId;
    case "run": {
      if (reference.field === "id") return scope.runId;
      const { scheduledFor, intervalStart, intervalEnd } = scope.logicalDate;
      const value = reference.field === "scheduled_for" ? scheduledFor : reference.field === "interval_start" ? intervalStart : intervalEnd;
      return formatRunDate(value, reference.format);
    }
    case "steps": {
      const output = scope.outputs.get(reference.step);
      if (!output) {
        const why = scope.missingOutputs.get(reference.step) ?? "it has not run";
        throw new StepError(`${reference.raw}: step ${reference.step} has no output (${why})`, { retryable: false });
      }
      let value: unknown = output;
      for (const key of reference.path) {
        if (value === null || typeof value !== "object" || !(key in value)) {
          const keys = value && typeof value === "object" ? Object.keys(value).join(", ") : "";
          throw new StepError(`${reference.raw}: the output of step ${reference.step} has no ${key}${keys ? ` (it has ${keys})` : ""}`, { retryable: false });
        }
        value = (value as Record<string, unknown>)[key];
      }
      return value;
    }
  }
}

const coercing = new WeakMap<TObject, ValidateFunction>();
let ajv: Ajv2020 | undefined;

function coercingValidator(schema: TObject): ValidateFunction {
  let validate = coercing.get(schema);
  if (!validate) {
    validate = (ajv ??= createAjv({ coerceTypes: true })).compile(schema);
    coercing.set(schema, validate);
  }
  return validate;
}

export interface ResolvedFields {
  fields: Record<string, unknown>;
  /** Values that came from the environment. */
  secrets: string[];
}

/** The writer of each SQL text field (`x-sql`), by path. */
function sqlWriters(fields: Record<string, unknown>, schema: TObject): Map<string, PartsWriter> {
  const writers = new Map<string, PartsWriter>();
  for (const { path } of findMarkedStrings(schema as unknown as Record<string, unknown>, fields, SQL_TEXT)) {
    writers.set(path.join("\0"), (parsed, resolve, addSecret) => writeSql(parsed, resolve, path.join("."), addSecret));
  }
  return writers;
}

export function resolveStepFields(fields: Record<string, unknown>, schema: TObject, scope: ResolveScope): ResolvedFields {
  const writers = sqlWriters(fields, schema);
  const { value, secrets, changed } = renderValue(
    fields,
    (reference) => resolveReference(reference, scope),
    (problem) => {
      throw new StepError(problem.message, { retryable: false });
    },
    writers.size > 0 ? { writerAt: (path) => writers.get(path.join("\0")) } : {},
  );
  const resolved = value as Record<string, unknown>;
  if (!changed) return { fields: resolved, secrets }; // checked by validate already
  if (!coercingValidator(schema)(resolved)) {
    const [problem] = schemaProblems(schema, resolved);
    throw new StepError(`after interpolation, ${problem?.message ?? "the fields do not match the step type"}`, { retryable: false });
  }
  return { fields: resolved, secrets };
}
