/**
 * Secrets known before anything runs: every `${env:…}` value that the project's connectors and
 * channels use, and the job's steps when there is a job. Steps add the values they resolve later.
 */
import type { Job } from "../project/job.js";
import type { Project } from "../project/loadProject.js";
import { forEachString, parseTemplate } from "../templates/template.js";
import type { SecretMasker } from "./secretMasker.js";

type SecretSources = Pick<Project, "config" | "environment">;

/** The values found for a job (or for a project without one), kept while the objects they were read from live. */
const found = new WeakMap<object, { config: SecretSources["config"]; environment: SecretSources["environment"]; values: string[] }>();

export function collectKnownSecrets(project: SecretSources, job: Job | undefined, masker: SecretMasker): void {
  for (const value of knownSecretValues(project, job)) masker.add(value);
}

function knownSecretValues(project: SecretSources, job: Job | undefined): string[] {
  const key = job ?? project.config;
  const kept = found.get(key);
  if (kept && kept.config === project.config && kept.environment === project.environment) return kept.values;
  const values = new Set<string>();
  const sources: unknown[] = [[...project.config.connectors.values()].map((connector) => connector.url)];
  sources.push([...project.config.channels.values()].map((channel) => channel.fields));
  if (job) sources.push(job.steps.map((step) => step.fields));
  for (const source of sources) {
    forEachString(source, (text) => {
      for (const part of parseTemplate(text).parts) {
        if (typeof part === "object" && part.kind === "env") {
          const value = project.environment.values[part.name];
          if (value !== undefined) values.add(value);
        }
      }
    });
  }
  const list = [...values];
  found.set(key, { config: project.config, environment: project.environment, values: list });
  return list;
}
