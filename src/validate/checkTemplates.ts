/**
 * Checks every `${…}` in a file's strings: the shape of each reference, that parameters are
 * declared, that a step output comes from an earlier step, that environment variables are set,
 * and in SQL text where each reference sits.
 */
import type { ProjectEnvironment } from "../templates/envFile.js";
import { forEachString, identOutsideSql, parseTemplate, type ParsedTemplate, type TemplateReference } from "../templates/template.js";
import { sqlHoles } from "../templates/sqlPlaces.js";
import { holeProblem } from "../templates/writeSql.js";
import { didYouMean } from "../errors/closestMatch.js";

export interface TemplateFinding {
  path: (string | number)[];
  /** Index of the reference in the string. */
  offsetInValue: number;
  message: string;
  hint?: string;
  severity: "error" | "warning";
}

export interface TemplateScope {
  environment: ProjectEnvironment;
  /** Treat unset variables as errors (`validate --require-env`). */
  requireEnv: boolean;
  /** Declared parameter names; undefined where parameters do not exist (nomaflow.yaml). */
  params?: readonly string[];
  /** Steps whose output may be referenced, for a string at this path; undefined outside jobs. */
  stepsBefore?: (path: (string | number)[]) => readonly string[];
  /** Every step of the job, to tell a later step from an unknown one. */
  allSteps?: readonly string[];
  /** True for the strings that are SQL text (`x-sql` in their step type's schema). */
  isSql?: (path: readonly (string | number)[]) => boolean;
  /** Whether the job has a schedule (its runs have intervals); undefined outside jobs. */
  scheduled?: boolean;
}

export function checkTemplates(value: unknown, scope: TemplateScope, basePath: (string | number)[] = []): TemplateFinding[] {
  const findings: TemplateFinding[] = [];
  forEachString(
    value,
    (text, path) => {
      const parsed = parseTemplate(text);
      for (const problem of parsed.problems) {
        findings.push({ path, offsetInValue: problem.index, message: problem.message, severity: "error", ...(problem.hint ? { hint: problem.hint } : {}) });
      }
      for (const part of parsed.parts) {
        if (typeof part === "object") {
          const finding = checkReference(part, path, scope);
          if (finding) findings.push({ ...finding, offsetInValue: part.index });
        }
      }
      if (parsed.parts.length > 1 || typeof parsed.parts[0] === "object") findings.push(...placeFindings(parsed, path, scope.isSql?.(path) ?? false));
    },
    basePath,
  );
  return findings;
}

/** In SQL text, references where no value can be written safely, or inside quotes; elsewhere, `:ident`. */
function placeFindings(parsed: ParsedTemplate, path: (string | number)[], isSql: boolean): TemplateFinding[] {
  if (!isSql) {
    return parsed.parts
      .filter((part): part is TemplateReference => typeof part === "object" && part.ident === true)
      .map((part) => ({ path, offsetInValue: part.index, severity: "error", message: identOutsideSql(part).message }));
  }
  return sqlHoles(parsed.parts).flatMap((hole) => {
    const problem = holeProblem(hole);
    return problem ? [{ path, offsetInValue: hole.reference.index, ...problem }] : [];
  });
}

function checkReference(reference: TemplateReference, path: (string | number)[], scope: TemplateScope): Omit<TemplateFinding, "offsetInValue"> | undefined {
  switch (reference.kind) {
    case "env": {
      if (reference.fallback !== undefined || scope.environment.values[reference.name] !== undefined) return undefined;
      const where = scope.environment.fileFound ? "in the environment or the env file" : "in the environment (the env file does not exist)";
      return {
        path,
        severity: scope.requireEnv ? "error" : "warning",
        message: `environment variable ${reference.name} is not set ${where}`,
        hint: `set ${reference.name}, or give a default: \${env:${reference.name}:-VALUE}`,
      };
    }
    case "params": {
      if (!scope.params) return { path, severity: "error", message: `${reference.raw}: parameters exist only in job files` };
      if (scope.params.includes(reference.name)) return undefined;
      const hint = didYouMean(reference.name, scope.params) ?? (scope.params.length ? `declared: ${scope.params.join(", ")}` : "declare it under params:");
      return { path, severity: "error", message: `${reference.raw}: the job declares no parameter ${reference.name}`, hint };
    }
    case "steps": {
      if (!scope.stepsBefore) return { path, severity: "error", message: `${reference.raw}: step outputs exist only in job steps` };
      const before = scope.stepsBefore(path);
      if (before.includes(reference.step)) return undefined;
      if (scope.allSteps?.includes(reference.step)) {
        return { path, severity: "error", message: `${reference.raw}: step ${reference.step} runs later, so its output does not exist yet` };
      }
      const hint = didYouMean(reference.step, before);
      return { path, severity: "error", message: `${reference.raw}: no earlier step is named ${reference.step}`, ...(hint ? { hint } : {}) };
    }
    case "run":
      if (scope.scheduled !== false || reference.field === "id" || reference.field === "scheduled_for") return undefined;
      return {
        path,
        severity: "warning",
        message: `${reference.raw}: the job has no schedule, so its runs have no interval: interval_start and interval_end are the run's start, as scheduled_for is`,
        hint: "give the job a schedule, or use ${run.scheduled_for}",
      };
    case "job":
      return undefined;
  }
}
