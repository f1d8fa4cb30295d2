/**
 * Secrets known before anything runs: every `${env:…}` value that the project's connectors and
 * channels use, and the job's steps when there is a job. Steps add the values they resolve later.
 */
import type { Job } from "../project/job.js";
import type { Project } from "../project/loadProject.js";
import { forEachString, parseTemplate } from "../project/template.js";
import type { SecretMasker } from "./secretMasker.js";

export function collectKnownSecrets(project: Pick<Project, "config" | "environment">, job: Job | undefined, masker: SecretMasker): void {
  const sources: unknown[] = [[...project.config.connectors.values()].map((connector) => connector.url)];
  sources.push([...project.config.channels.values()].map((channel) => channel.fields));
  if (job) sources.push(job.steps.map((step) => step.fields));
  for (const source of sources) {
    forEachString(source, (text) => {
      for (const part of parseTemplate(text).parts) {
        if (typeof part === "object" && part.kind === "env") {
          const value = project.environment.values[part.name];
          if (value !== undefined) masker.add(value);
        }
      }
    });
  }
}
