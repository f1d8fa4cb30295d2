/**
 * A value whose strings may hold `${env:NAME}` and no other reference (a connector's URL, a
 * channel's fields), resolved from the project environment. Every string is checked before any is
 * resolved, so the first problem is reported with the field it is in; the caller then checks the
 * resolved value as it needs (a URL's scheme, a channel type's schema).
 */
import type { ProjectEnvironment } from "./envFile.js";
import { forEachString, identOutsideSql, parseTemplate, renderValue, type RenderResult, type TemplateReference } from "./template.js";

/**
 * @param usedIn what the value is, in the message for another kind of reference ("a channel")
 * @param fail throws the caller's error with the message, which starts with the field's path
 */
export function resolveEnvOnly(value: unknown, environment: ProjectEnvironment, usedIn: string, fail: (message: string) => never): RenderResult {
  forEachString(value, (text, path) => {
    const field = path.join(".");
    const parsed = parseTemplate(text);
    if (parsed.problems[0]) fail(`${field}: ${parsed.problems[0].message}`);
    const ident = parsed.parts.find((part): part is TemplateReference => typeof part === "object" && part.ident === true);
    if (ident) fail(`${field}: ${identOutsideSql(ident).message}`);
    for (const part of parsed.parts) {
      if (typeof part !== "object") continue;
      if (part.kind !== "env") fail(`${field}: ${part.raw} cannot be used in ${usedIn}; only \${env:NAME}`);
      else if (environment.values[part.name] === undefined && part.fallback === undefined) {
        fail(`${field} needs environment variable ${part.name}, which is not set`);
      }
    }
  });
  return renderValue(
    value,
    (reference) => (reference.kind === "env" ? (environment.values[reference.name] ?? reference.fallback) : undefined),
    (problem) => fail(problem.message),
  );
}
