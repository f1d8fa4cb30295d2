/**
 * `nomaflow run JOB -p name=value …`: each value converted to the parameter's declared type,
 * defaults filled in. Anything wrong is a UsageError (exit 2) and nothing runs.
 */
import { UsageError } from "../errors/nomaflowError.js";
import type { Job } from "../project/job.js";
import { BOOLEAN_RULE } from "../schema/common.js";
import type { ParamDefinition } from "../schema/jobSchema.js";
import { didYouMean } from "../errors/closestMatch.js";

function convert(name: string, definition: ParamDefinition, text: string): string | number | boolean {
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

/** `assignments` as given on the command line (`name=value`). */
export function parseParams(job: Job, assignments: readonly string[]): Record<string, string | number | boolean> {
  const declared = Object.keys(job.params);
  const given = new Map<string, string>();
  for (const assignment of assignments) {
    const equals = assignment.indexOf("=");
    if (equals <= 0) throw new UsageError(`-p ${JSON.stringify(assignment)}: write -p name=value`);
    const name = assignment.slice(0, equals);
    if (!(name in job.params)) {
      const hint = didYouMean(name, declared) ?? (declared.length ? `job ${job.id} declares: ${declared.join(", ")}` : `job ${job.id} declares no parameters`);
      throw new UsageError(`unknown parameter ${name} for job ${job.id}`, { hint });
    }
    if (given.has(name)) throw new UsageError(`parameter ${name} is given twice`);
    given.set(name, assignment.slice(equals + 1));
  }
  const params: Record<string, string | number | boolean> = {};
  for (const [name, definition] of Object.entries(job.params)) {
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
  }
  return params;
}
