/**
 * A run needs every `${env:NAME}` (without a default) that its steps use, and that the connectors
 * and channels it uses hold, to be set: otherwise it is refused before it starts, as a bad `-p`
 * value is, instead of failing half way and alerting.
 */
import { UsageError } from "../errors/nomaflowError.js";
import type { Job } from "../project/job.js";
import type { Project } from "../project/loadProject.js";
import { forEachString, parseTemplate } from "../templates/template.js";
import { findReferences } from "../validate/references.js";

/** Unset variables, each with where it is used ("step copy", "connector warehouse", "channel ops"). */
export function unsetVariables(project: Pick<Project, "config" | "environment" | "registry">, job: Job): Map<string, string[]> {
  const unset = new Map<string, string[]>();
  const look = (value: unknown, user: string) =>
    forEachString(value, (text) => {
      for (const part of parseTemplate(text).parts) {
        if (typeof part !== "object" || part.kind !== "env" || part.fallback !== undefined) continue;
        if (project.environment.values[part.name] !== undefined) continue;
        const users = unset.get(part.name) ?? [];
        if (!users.includes(user)) users.push(user);
        unset.set(part.name, users);
      }
    });

  const connectors = new Set<string>();
  const channels = new Set(job.alerts.recipients);
  for (const step of job.steps) {
    look(step.fields, `step ${step.name}`);
    const type = project.registry.get(step.type);
    if (!type) continue;
    for (const reference of findReferences(type.fields as unknown as Record<string, unknown>, step.fields)) {
      (reference.kind === "connector" ? connectors : channels).add(reference.name);
    }
  }
  for (const name of connectors) look(project.config.connectors.get(name)?.url, `connector ${name}`);
  for (const name of channels) look(project.config.channels.get(name)?.fields, `channel ${name}`);
  return unset;
}

/** Throws a UsageError (exit 2) naming every unset variable the job needs. */
export function requireEnvironment(project: Pick<Project, "config" | "environment" | "registry">, job: Job): void {
  const unset = unsetVariables(project, job);
  if (unset.size === 0) return;
  const list = [...unset].map(([name, users]) => `${name} (${users.join(", ")})`);
  const names = [...unset.keys()];
  throw new UsageError(
    `job ${job.id} cannot start: ${list.length === 1 ? "environment variable" : "environment variables"} ${list.join(", ")} ${list.length === 1 ? "is" : "are"} not set`,
    {
      hint: `set ${names.join(", ")} in the environment or the env file (${project.environment.file}), or give a default: \${env:${names[0]}:-VALUE}`,
    },
  );
}
