/**
 * `nomaflow run JOB -p name=value …`: each value converted to the parameter's declared type,
 * defaults filled in. Anything wrong is a UsageError (exit 2) and nothing runs. The console's
 * Run now form goes through the same checks, and is told of every refused field at once.
 */
import { UsageError } from "../errors/nomaflowError.js";
import type { Job } from "../project/job.js";
import { BOOLEAN_RULE } from "../schema/common.js";
import type { ParamDefinition } from "../schema/jobSchema.js";
import { didYouMean } from "../errors/closestMatch.js";

export type ParamValue = string | number | boolean;

/** One refused value: the parameter it is about, and why. */
export interface ParamProblem {
  param: string;
  error: UsageError;
}

function convert(name: string, definition: ParamDefinition, text: string): ParamValue {
  switch (definition.type) {
    case "string":
      return text;
    case "number":
    case "integer": {
      const number = text.trim() === "" ? Number.NaN : Number(text);
      if (!Number.isFinite(number) || (definition.type === "integer" && !Number.isInteger(number))) {
        throw new UsageError(`parameter ${name} must be ${definition.type === "integer" ? "a whole number" : "a number"}, got ${JSON.stringify(text)}`);
      }
      return number;
    }
    case "boolean": {
      if (text === "true") return true;
      if (text === "false") return false;
      throw new UsageError(`parameter ${name} must be true or false, got ${JSON.stringify(text)}`, { hint: BOOLEAN_RULE });
    }
  }
}

function unknownParam(job: Job, name: string): UsageError {
  const declared = Object.keys(job.params);
  const hint = didYouMean(name, declared) ?? (declared.length ? `job ${job.id} declares: ${declared.join(", ")}` : `job ${job.id} declares no parameters`);
  return new UsageError(`unknown parameter ${name} for job ${job.id}`, { hint });
}

/**
 * The job's parameters from values given as text (by name), typed, defaults filled in, with every
 * value refused: unknown names, values of the wrong type or outside the choices, required ones missing.
 */
export function checkParamValues(job: Job, given: ReadonlyMap<string, string>): { params: Record<string, ParamValue>; problems: ParamProblem[] } {
  const problems: ParamProblem[] = [];
  for (const name of given.keys()) if (!(name in job.params)) problems.push({ param: name, error: unknownParam(job, name) });
  const params: Record<string, ParamValue> = {};
  for (const [name, definition] of Object.entries(job.params)) {
    try {
      const text = given.get(name);
      const value = text === undefined ? definition.default : convert(name, definition, text);
      if (value === undefined) {
        if (definition.required) throw new UsageError(`parameter ${name} is required: give it with -p ${name}=VALUE`);
        continue;
      }
      if (definition.enum && !definition.enum.includes(value)) {
        throw new UsageError(`parameter ${name} must be one of ${definition.enum.map(String).join(", ")}, got ${JSON.stringify(value)}`);
      }
      params[name] = value;
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      problems.push({ param: name, error });
    }
  }
  return { params, problems };
}

/** `assignments` as given on the command line (`name=value`); throws the first problem. */
export function parseParams(job: Job, assignments: readonly string[]): Record<string, ParamValue> {
  const given = new Map<string, string>();
  for (const assignment of assignments) {
    const equals = assignment.indexOf("=");
    if (equals <= 0) throw new UsageError(`-p ${JSON.stringify(assignment)}: write -p name=value`);
    const name = assignment.slice(0, equals);
    if (!(name in job.params)) throw unknownParam(job, name);
    if (given.has(name)) throw new UsageError(`parameter ${name} is given twice`);
    given.set(name, assignment.slice(equals + 1));
  }
  const { params, problems } = checkParamValues(job, given);
  if (problems[0]) throw problems[0].error;
  return params;
}
