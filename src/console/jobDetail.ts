/** `GET api/jobs/ID`: a job's card, and what the Run now form needs: its parameters and steps. */
import { shellQuote } from "../files/shellQuote.js";
import type { Job } from "../project/job.js";
import type { ParamDefinition } from "../schema/jobSchema.js";
import type { JobCard, JobDetail, ParamField } from "./consoleApi.js";

export function paramField(name: string, definition: ParamDefinition): ParamField {
  return {
    name,
    type: definition.type,
    description: definition.description ?? null,
    required: definition.required === true && definition.default === undefined,
    default: definition.default === undefined ? null : String(definition.default),
    choices: definition.enum ? definition.enum.map(String) : null,
  };
}

/** `nomaflow run ID -p name=value …`: every parameter with its default, a required one with VALUE to fill in. */
export function runCommandOf(job: Job): string {
  const words = ["nomaflow", "run", shellQuote(job.id)];
  for (const [name, definition] of Object.entries(job.params)) {
    if (definition.default !== undefined) words.push("-p", shellQuote(`${name}=${String(definition.default)}`));
    else if (definition.required) words.push("-p", `${name}=VALUE`);
  }
  return words.join(" ");
}

export function jobDetail(job: Job, card: JobCard): JobDetail {
  return {
    card,
    params: Object.entries(job.params).map(([name, definition]) => paramField(name, definition)),
    steps: job.steps.map((step) => ({ name: step.name, type: step.type, description: step.description ?? null })),
    command: runCommandOf(job),
  };
}
