/**
 * Checks a value against a JSON Schema and turns ajv's errors into plain sentences with the path
 * of the field they concern. Values holding `${…}` references are checked after interpolation,
 * so type, pattern and enum errors on them are left to the runner.
 */
import type { TSchema } from "@sinclair/typebox";
import type { Ajv2020, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { BOOLEAN_RULE, EXPECTED } from "../schema/common.js";
import { createAjv } from "./ajvInstance.js";
import { builtInSchemas } from "./builtInSchemas.js";
import { precompiledValidator } from "./precompiledValidators.js";
import { hasReference } from "../templates/template.js";
import { didYouMean } from "../errors/closestMatch.js";

export interface SchemaProblem {
  path: (string | number)[];
  /** "key" for an unknown field (the key is wrong), "value" otherwise. */
  part: "key" | "value";
  message: string;
  hint?: string;
}

let ajv: Ajv2020 | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: TSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    const id = builtInSchemas().idOf.get(schema);
    validate = (id === undefined ? undefined : precompiledValidator(id)) ?? (ajv ??= createAjv()).compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

export function schemaProblems(schema: TSchema, data: unknown): SchemaProblem[] {
  const validate = validatorFor(schema);
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  // An anyOf error speaks for every error of its branches at the same place; but when the value
  // has the type of exactly one branch (a list, where a string or a list is allowed), that
  // branch's own errors say what is wrong inside it (`command[2]` is not a string).
  const unions = errors.filter((error) => error.keyword === "anyOf");
  const chosen = new Map(unions.map((union) => [union, chosenBranch(union, errors)]));
  const kept = errors.filter((error) => {
    if (chosen.get(error) !== undefined) return false;
    return !unions.some((union) => {
      if (union === error || !error.schemaPath.startsWith(`${union.schemaPath}/`) || !error.instancePath.startsWith(union.instancePath)) return false;
      const branch = chosen.get(union);
      return branch === undefined || !error.schemaPath.startsWith(`${union.schemaPath}/${branch}/`);
    });
  });
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of kept) {
    if (isDeferred(error)) continue;
    const problem = describe(error);
    const key = `${problem.path.join("/")}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** The one branch of an anyOf whose type the value has, when errors inside it say more. */
function chosenBranch(union: ErrorObject, errors: readonly ErrorObject[]): number | undefined {
  const branches = ((union.parentSchema ?? {}) as { anyOf?: Record<string, unknown>[] }).anyOf ?? [];
  const type = jsonType(union.data);
  const matching = branches.flatMap((branch, index) => {
    const types = Array.isArray(branch.type) ? branch.type : [branch.type];
    return types.includes(type) || (type === "number" && types.includes("integer")) ? [index] : [];
  });
  if (matching.length !== 1) return undefined;
  const branch = matching[0]!;
  const inside = errors.some((error) => error.schemaPath.startsWith(`${union.schemaPath}/${branch}/`) && error.instancePath !== union.instancePath);
  return inside ? branch : undefined;
}

function isDeferred(error: ErrorObject): boolean {
  if (["additionalProperties", "required"].includes(error.keyword)) return false;
  return typeof error.data === "string" && hasReference(error.data);
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

function fieldLabel(path: (string | number)[]): string {
  if (path.length === 0) return "the file";
  let label = "";
  for (const segment of path) label += typeof segment === "number" ? `[${segment}]` : label ? `.${segment}` : segment;
  return `\`${label}\``;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a map of fields",
  null: "empty",
};

function typePhrase(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((one) => TYPE_NAMES[String(one)] ?? String(one)).join(" or ");
}

function branchPhrase(schema: Record<string, unknown>): string {
  if (typeof schema[EXPECTED] === "string") return schema[EXPECTED];
  if ("const" in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Record<string, unknown>[]).map(branchPhrase).join(", ");
  return typePhrase(schema.type);
}

function describe(error: ErrorObject): SchemaProblem {
  const path = pathOf(error.instancePath);
  const label = fieldLabel(path);
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  const got = describeValue(error.data);
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String((error.params as { additionalProperty: string }).additionalProperty);
      const fieldPath = [...path, field];
      if (parent.patternProperties) {
        const pattern = Object.keys(parent.patternProperties as object)[0];
        return { path: fieldPath, part: "key", message: `invalid name \`${field}\`${path.length ? ` in ${label}` : ""}: names must match ${pattern}` };
      }
      const known = Object.keys((parent.properties as object | undefined) ?? {});
      const hint = didYouMean(field, known) ?? (known.length ? `allowed fields: ${known.join(", ")}` : undefined);
      return { path: fieldPath, part: "key", message: `unknown field \`${field}\`${path.length ? ` in ${label}` : ""}`, ...(hint ? { hint } : {}) };
    }
    case "required": {
      const field = String((error.params as { missingProperty: string }).missingProperty);
      return { path, part: "value", message: `missing required field \`${field}\`${path.length ? ` in ${label}` : ""}` };
    }
    case "type": {
      const hint = error.schema === "boolean" && typeof error.data === "string" ? { hint: BOOLEAN_RULE } : {};
      return { path, part: "value", message: `${label} must be ${typePhrase(error.schema)}, got ${got}`, ...hint };
    }
    case "const":
    case "enum": {
      const allowed = error.keyword === "const" ? [parent.const] : (parent.enum as unknown[]);
      return withChoice(path, label, got, allowed, error.data);
    }
    case "anyOf": {
      const branches = (parent.anyOf as Record<string, unknown>[]) ?? [];
      if (typeof parent[EXPECTED] !== "string" && branches.length > 0 && branches.every((branch) => "const" in branch)) {
        return withChoice(
          path,
          label,
          got,
          branches.map((branch) => branch.const),
          error.data,
        );
      }
      return { path, part: "value", message: `${label} must be ${branchPhrase(parent)}, got ${got}` };
    }
    case "pattern": {
      const expected = typeof parent[EXPECTED] === "string" ? parent[EXPECTED] : `text matching ${String(error.schema)}`;
      return { path, part: "value", message: `${label} must be ${expected}, got ${got}` };
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      const words = { minimum: "at least", maximum: "at most", exclusiveMinimum: "more than", exclusiveMaximum: "less than" }[error.keyword];
      return { path, part: "value", message: `${label} must be ${words} ${String(error.schema)}, got ${got}` };
    }
    case "minItems":
      return { path, part: "value", message: `${label} must have at least ${String(error.schema)} item${error.schema === 1 ? "" : "s"}` };
    case "minProperties": {
      const expected = typeof parent[EXPECTED] === "string" ? parent[EXPECTED] : `a map with at least ${String(error.schema)} field`;
      const empty = typeof error.data === "object" && error.data !== null && Object.keys(error.data).length === 0;
      return { path, part: "value", message: `${label} must be ${expected}, got ${empty ? "an empty map" : got}` };
    }
    case "minLength":
      return { path, part: "value", message: `${label} must not be empty` };
    case "uniqueItems":
      return { path, part: "value", message: `${label} lists the same value twice` };
    default:
      return { path, part: "value", message: `${label} ${error.message ?? "is invalid"}` };
  }
}

function withChoice(path: (string | number)[], label: string, got: string, allowed: unknown[], data: unknown): SchemaProblem {
  const names = allowed.map((value) => String(value));
  const hint = typeof data === "string" ? didYouMean(data, names) : undefined;
  return { path, part: "value", message: `${label} must be one of ${names.join(", ")}; got ${got}`, ...(hint ? { hint } : {}) };
}
