/**
 * Merges a checked job file with the project's defaults into the job model. This is the one place
 * job settings are layered: built-in defaults < nomaflow.yaml `defaults` < job file < step.
 */
import type { ParsedCron } from "../schedule/parseCron.js";
import { AbandonedPolicy, AlertPolicy, Concurrency, defaultOf, JITTER_WHEN_TRUE, RetryPolicy, SuccessAlert, type RunsRetention } from "../schema/common.js";
import { ProjectConfigFile } from "../schema/configSchema.js";
import { ChainOutcome, COMMON_STEP_FIELDS, commonStepProperties, JobFile, RunIf } from "../schema/jobSchema.js";
import type { AlertSettings, Job, RetentionSettings, RetrySettings, StepDefinition } from "./job.js";
import { parseDuration } from "./parseDuration.js";
import type { JobDefaults } from "./projectConfig.js";

function jitterFraction(jitter: NonNullable<RetryPolicy["jitter"]>): number {
  return jitter === true ? JITTER_WHEN_TRUE : jitter === false ? 0 : jitter;
}

const retryFields = RetryPolicy.properties;

/** What a job gets when neither nomaflow.yaml nor the job says: the schemas' `default:`s. */
export const BUILT_IN_DEFAULTS = {
  timezone: defaultOf(ProjectConfigFile.properties.defaults.properties.timezone),
  retry: {
    attempts: defaultOf(retryFields.attempts),
    backoff: defaultOf(retryFields.backoff),
    baseSeconds: defaultOf(retryFields.base_seconds),
    maxSeconds: undefined,
    jitter: jitterFraction(defaultOf(retryFields.jitter)),
  } satisfies RetrySettings,
  alerts: { onFailure: defaultOf(AlertPolicy.properties.on_failure), onSuccess: defaultOf(SuccessAlert), onLongRunMinutes: undefined },
  concurrency: defaultOf(Concurrency),
  misfireGraceMinutes: defaultOf(JobFile.properties.misfire_grace_minutes),
  onAbandoned: defaultOf(AbandonedPolicy),
  runIf: defaultOf(RunIf),
  rerunOnResume: defaultOf(commonStepProperties.rerun_on_resume),
  chainOutcome: defaultOf(ChainOutcome),
  enabled: defaultOf(JobFile.properties.enabled),
};

export function mergeRetry(base: RetrySettings, override: RetryPolicy | undefined): RetrySettings {
  if (!override) return base;
  return {
    attempts: override.attempts ?? base.attempts,
    backoff: override.backoff ?? base.backoff,
    baseSeconds: override.base_seconds ?? base.baseSeconds,
    maxSeconds: override.max_seconds ?? base.maxSeconds,
    jitter: override.jitter === undefined ? base.jitter : jitterFraction(override.jitter),
  };
}

function mergeAlerts(defaults: AlertPolicy | undefined, job: AlertPolicy | undefined, defaultRecipients: string[]): AlertSettings {
  const recipients = job?.recipients ?? defaults?.recipients ?? [];
  const resolved = recipients.length > 0 ? recipients : defaultRecipients;
  const onSuccess = job?.on_success ?? defaults?.on_success ?? BUILT_IN_DEFAULTS.alerts.onSuccess;
  return {
    onFailure: job?.on_failure ?? defaults?.on_failure ?? BUILT_IN_DEFAULTS.alerts.onFailure,
    onSuccess: onSuccess !== false,
    successRecipients: typeof onSuccess === "object" ? onSuccess.recipients : resolved,
    onLongRunMinutes: job?.on_long_run_minutes ?? defaults?.on_long_run_minutes ?? BUILT_IN_DEFAULTS.alerts.onLongRunMinutes,
    recipients: resolved,
  };
}

/**
 * A job's `runs_retention`, else `defaults.runs_retention`: one rule, taken whole, not merged field
 * by field (a job that says `{ keep_last: 2 }` keeps its newest two, whatever `days` the defaults
 * give). Undefined when neither says anything: nothing is pruned. Also used for the logs of a job
 * no longer in the project (`job` undefined), which the defaults alone govern.
 */
export function mergeRetention(defaults: RunsRetention | undefined, job: RunsRetention | undefined): RetentionSettings | undefined {
  const rule = job ?? defaults;
  return rule && { days: rule.days, keepLast: rule.keep_last };
}

/** The time zone a job's schedule uses: the schedule's, else defaults.timezone, else UTC. */
export function jobTimezone(file: Pick<JobFile, "schedule">, defaults: JobDefaults): string {
  return file.schedule?.timezone ?? defaults.timezone ?? BUILT_IN_DEFAULTS.timezone;
}

export interface ResolveJobInput {
  file: JobFile;
  displayPath: string;
  absolutePath: string;
  defaults: JobDefaults;
  defaultRecipients: string[];
  /** The parsed schedule, when the job has one (parsed once by the checks). */
  cron: ParsedCron | undefined;
}

export function resolveJob({ file, displayPath, absolutePath, defaults, defaultRecipients, cron }: ResolveJobInput): Job {
  const jobRetry = mergeRetry(mergeRetry(BUILT_IN_DEFAULTS.retry, defaults.retry), file.retry);
  const jobTimeout = file.timeout ?? defaults.timeout;
  const steps: StepDefinition[] = file.steps.map((raw, index) => {
    const step = raw as Record<string, unknown>;
    const fields = Object.fromEntries(Object.entries(step).filter(([key]) => !(COMMON_STEP_FIELDS as readonly string[]).includes(key)));
    return {
      name: raw.name,
      type: raw.type,
      description: typeof step.description === "string" ? step.description : undefined,
      index,
      timeoutMs: step.timeout === undefined ? undefined : parseDuration(step.timeout),
      retry: mergeRetry(jobRetry, step.retry as RetryPolicy | undefined),
      runIf: (step.run_if as RunIf | undefined) ?? BUILT_IN_DEFAULTS.runIf,
      rerunOnResume: (step.rerun_on_resume as boolean | undefined) ?? BUILT_IN_DEFAULTS.rerunOnResume,
      fields,
    };
  });
  return {
    id: file.id,
    file: displayPath,
    absolutePath,
    description: file.description,
    tags: file.tags ?? [],
    enabled: file.enabled ?? BUILT_IN_DEFAULTS.enabled,
    schedule: file.schedule && cron ? { expression: file.schedule.cron, timezone: jobTimezone(file, defaults), cron } : undefined,
    trigger: file.trigger && { after: file.trigger.after, on: file.trigger.on ?? BUILT_IN_DEFAULTS.chainOutcome },
    timezone: jobTimezone(file, defaults),
    params: file.params ?? {},
    retry: jobRetry,
    alerts: mergeAlerts(defaults.alerts, file.alerts, defaultRecipients),
    concurrency: file.concurrency ?? defaults.concurrency ?? BUILT_IN_DEFAULTS.concurrency,
    misfireGraceMinutes: file.misfire_grace_minutes ?? defaults.misfire_grace_minutes ?? BUILT_IN_DEFAULTS.misfireGraceMinutes,
    onAbandoned: file.on_abandoned ?? defaults.on_abandoned ?? BUILT_IN_DEFAULTS.onAbandoned,
    timeoutMs: jobTimeout === undefined ? undefined : parseDuration(jobTimeout),
    runsRetention: mergeRetention(defaults.runs_retention, file.runs_retention),
    steps,
  };
}
