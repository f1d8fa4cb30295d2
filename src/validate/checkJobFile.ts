/**
 * Checks one job file and, when it has no errors, builds its job model. Every finding carries the
 * position of the field it concerns and the job and step it belongs to.
 */
import type { Diagnostic } from "../project/diagnostic.js";
import type { Job } from "../project/job.js";
import { readJobFile, type JobFileEntry, type Project } from "../project/loadProject.js";
import { jobTimezone, resolveJob } from "../project/resolveJob.js";
import { hasReference } from "../templates/template.js";
import { diagnosticAt, locate, type YamlSource } from "../project/yamlSource.js";
import { SQL_TEXT } from "../schema/common.js";
import { COMMON_STEP_FIELDS, JobFile, type ParamDefinition } from "../schema/jobSchema.js";
import { didYouMean } from "../errors/closestMatch.js";
import { checkJobTimeout } from "./checkJobTimeout.js";
import { checkSchedule } from "./checkSchedule.js";
import { checkTemplates } from "./checkTemplates.js";
import { fullStepSchema } from "./fullStepSchema.js";
import { jobIdHint } from "./jobIdHint.js";
import { findMarkedStrings, findReferences } from "./references.js";
import { schemaProblems } from "./schemaProblems.js";

export interface JobCheckOptions {
  requireEnv: boolean;
  /** Instant from which DST warnings look 12 months ahead; undefined: no DST warnings. */
  dstFrom: number | undefined;
}

/** A job's `trigger.after` as written: each name with its position, for the checks across jobs (checkChains.ts). */
export interface ChainDeclaration {
  file: string;
  after: Array<{ name: string; line: number; column: number }>;
}

export interface JobCheckResult {
  id: string;
  /** Undefined when the job has no `trigger.after` list. */
  chain: ChainDeclaration | undefined;
  /** Where the `id` field is, for a duplicate-id diagnostic; undefined when the file did not parse. */
  idPosition: { line: number; column: number } | undefined;
  diagnostics: Diagnostic[];
  job: Job | undefined;
}

type Path = (string | number)[];
interface At {
  hint?: string | undefined;
  offsetInValue?: number | undefined;
  part?: "key" | "value";
  severity?: "error" | "warning";
}

/** Reads, parses and checks one job file. */
export function checkJobFile(entry: JobFileEntry, project: Project, options: JobCheckOptions): JobCheckResult {
  const { source, readDiagnostics } = readJobFile(entry);
  const diagnostics = [...readDiagnostics];
  const data = source?.data as Record<string, unknown> | undefined;
  const id = typeof data?.id === "string" ? data.id : entry.expectedId;
  if (!source) return { id, chain: undefined, idPosition: undefined, diagnostics, job: undefined };

  const idPosition = locate(source, ["id"]);
  const rawSteps = Array.isArray(data?.steps) ? (data.steps as unknown[]) : [];
  const stepNameAt = (path: Path): string | null => {
    if (path[0] !== "steps" || typeof path[1] !== "number") return null;
    const step = rawSteps[path[1]] as { name?: unknown } | undefined;
    return typeof step?.name === "string" ? step.name : `#${path[1] + 1}`;
  };
  const at = (path: Path, message: string, extra: At = {}) =>
    diagnostics.push(
      diagnosticAt(source, path, message, {
        job: id,
        step: stepNameAt(path),
        hint: extra.hint ?? null,
        severity: extra.severity ?? "error",
        part: extra.part ?? "value",
        offsetInValue: extra.offsetInValue,
      }),
    );

  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    at([], "a job file must be a map of fields (id, schedule, steps, …)");
    return { id, chain: undefined, idPosition, diagnostics, job: undefined };
  }

  for (const problem of schemaProblems(JobFile, data)) at(problem.path, problem.message, problem);
  if (typeof data.id === "string" && data.id !== entry.expectedId) {
    at(["id"], `job id ${data.id} differs from its file name ${entry.expectedId}`, { hint: jobIdHint(data.id, entry.expectedId, entry.file) });
  }

  checkSteps(rawSteps, project, at);
  checkParams(data.params, at);
  const fromDefaults = data.timeout === undefined;
  for (const finding of checkJobTimeout(fromDefaults ? project.config.defaults.timeout : data.timeout, fromDefaults, rawSteps)) {
    at(finding.path, finding.message, finding);
  }

  const { config } = project;
  for (const reference of findReferences(JobFile as unknown as Record<string, unknown>, data)) {
    if (reference.kind === "channel" && project.configFile.source && !config.channels.has(reference.name)) {
      at(reference.path, `alert recipient ${reference.name} is not a channel of nomaflow.yaml`, {
        hint: didYouMean(reference.name, config.channels.keys()) ?? "define it under notifications.channels",
      });
    }
  }

  const stepNames = rawSteps.map((step) => (step as { name?: unknown })?.name).filter((name): name is string => typeof name === "string");
  const params = data.params && typeof data.params === "object" ? Object.keys(data.params) : [];
  const sqlPaths = new Set<string>();
  rawSteps.forEach((raw, index) => {
    const type = project.registry.get(String((raw as { type?: unknown } | null)?.type));
    for (const { path } of type ? findMarkedStrings(type.fields as unknown as Record<string, unknown>, raw, SQL_TEXT) : [])
      sqlPaths.add(["steps", index, ...path].join("\0"));
  });
  for (const finding of checkTemplates(data, {
    environment: project.environment,
    requireEnv: options.requireEnv,
    params,
    allSteps: stepNames,
    stepsBefore: (path) => (path[0] === "steps" && typeof path[1] === "number" ? stepNames.slice(0, path[1]) : []),
    isSql: (path) => sqlPaths.has(path.join("\0")),
    // A chained run takes the interval of the run it follows.
    scheduled: data.schedule !== undefined || data.trigger !== undefined,
  })) {
    at(finding.path, finding.message, finding);
  }

  const schedule = data.schedule as { cron?: unknown; timezone?: unknown } | undefined;
  const timezone = jobTimezone({ schedule: schedule as JobFile["schedule"] }, config.defaults);
  const scheduleCheck =
    schedule && typeof schedule.cron === "string" && typeof timezone === "string"
      ? checkSchedule(schedule.cron, timezone, {
          timezoneGiven: typeof schedule.timezone === "string",
          dstFrom: data.enabled === false ? undefined : options.dstFrom,
          seed: id,
        })
      : { findings: [], cron: undefined };
  for (const finding of scheduleCheck.findings) at(["schedule", finding.field], finding.message, finding);

  const chain = chainDeclaration(source, entry.file, data.trigger);
  if (diagnostics.some((diagnostic) => diagnostic.severity === "error")) return { id, chain, idPosition, diagnostics, job: undefined };
  const job = resolveJob({
    file: data as JobFile,
    displayPath: entry.file,
    absolutePath: entry.absolutePath,
    defaults: config.defaults,
    defaultRecipients: config.defaultRecipients,
    cron: scheduleCheck.cron,
  });
  return { id, chain, idPosition, diagnostics, job };
}

function chainDeclaration(source: YamlSource, file: string, trigger: unknown): ChainDeclaration | undefined {
  const after = (trigger as { after?: unknown } | null | undefined)?.after;
  if (typeof trigger !== "object" || !Array.isArray(after)) return undefined;
  const names = after.flatMap((name, index) => (typeof name === "string" ? [{ name, ...locate(source, ["trigger", "after", index]) }] : []));
  return { file, after: names };
}

function checkSteps(rawSteps: unknown[], project: Project, at: (path: Path, message: string, extra?: At) => void): void {
  const seen = new Map<string, number>();
  rawSteps.forEach((raw, index) => {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return; // the job schema said so
    const step = raw as Record<string, unknown>;
    const path: Path = ["steps", index];
    if (typeof step.name === "string") {
      const first = seen.get(step.name);
      if (first !== undefined) at([...path, "name"], `step name ${step.name} is used twice in this job (steps ${first + 1} and ${index + 1})`);
      else seen.set(step.name, index);
    }
    for (const field of COMMON_STEP_FIELDS) {
      const value = step[field];
      if (typeof value === "string" && hasReference(value)) {
        at([...path, field], `\`${field}\` cannot use \${…}: a step's ${COMMON_STEP_FIELDS.join(", ")} are fixed`);
      }
    }
    if (typeof step.type !== "string") return;
    const type = project.registry.get(step.type);
    if (!type) {
      const known = project.registry.names();
      at([...path, "type"], `unknown step type ${step.type}`, { hint: didYouMean(step.type, known) ?? `known types: ${known.join(", ")}` });
      return;
    }
    const problems = schemaProblems(fullStepSchema(type), step);
    for (const problem of problems) at([...path, ...problem.path], problem.message, problem);

    for (const reference of findReferences(type.fields as unknown as Record<string, unknown>, step)) {
      // When nomaflow.yaml did not parse, its error says so; "not defined" here would be noise.
      if (!project.configFile.source) continue;
      if (reference.kind === "connector" && !project.config.connectors.has(reference.name) && !hasReference(reference.name)) {
        const known = [...project.config.connectors.keys()];
        at([...path, ...reference.path], `connector ${reference.name} is not defined in nomaflow.yaml`, {
          hint: didYouMean(reference.name, known) ?? (known.length ? `defined connectors: ${known.join(", ")}` : "add it under connectors:"),
        });
      }
    }
    // A type's own rules assume fields of the right shape.
    if (problems.length > 0) return;
    for (const problem of type.check?.(step as never, { projectRoot: project.root }) ?? []) {
      at([...path, ...problem.path], problem.message, { hint: problem.hint, severity: problem.severity ?? "error" });
    }
  });
}

function checkParams(params: unknown, at: (path: Path, message: string, extra?: At) => void): void {
  if (!params || typeof params !== "object") return;
  for (const [name, raw] of Object.entries(params)) {
    const definition = raw as Partial<ParamDefinition> | undefined;
    if (!definition || typeof definition !== "object") continue;
    const { type } = definition;
    const fits = (value: unknown) =>
      type === "string"
        ? typeof value === "string"
        : type === "number"
          ? typeof value === "number"
          : type === "integer"
            ? Number.isInteger(value)
            : type === "boolean"
              ? typeof value === "boolean"
              : true;
    if (definition.default !== undefined && !fits(definition.default)) {
      at(["params", name, "default"], `default of parameter ${name} must be of type ${type}, got ${JSON.stringify(definition.default)}`);
    }
    if (Array.isArray(definition.enum)) {
      definition.enum.forEach((value, index) => {
        if (!fits(value)) at(["params", name, "enum", index], `choice ${JSON.stringify(value)} of parameter ${name} is not of type ${type}`);
      });
      if (definition.default !== undefined && !definition.enum.includes(definition.default)) {
        at(["params", name, "default"], `default of parameter ${name} is not one of its choices ${definition.enum.map(String).join(", ")}`);
      }
    }
  }
}
