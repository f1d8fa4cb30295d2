/**
 * The typed model of a job: what the runner, the daemon and `validate` all work from. Built from
 * a job file that passed its checks, with the project's defaults merged in by `resolveJob`.
 */
import type { ParsedCron } from "../schedule/parseCron.js";
import type { AbandonedPolicy, Backoff, Concurrency } from "../schema/common.js";
import type { ChainOutcome, ParamDefinition, RunIf } from "../schema/jobSchema.js";

export interface RetrySettings {
  /** Total number of tries. */
  attempts: number;
  backoff: Backoff;
  baseSeconds: number;
  maxSeconds: number | undefined;
  /** Fraction by which each wait may vary (0 = none). */
  jitter: number;
}

export interface AlertSettings {
  onFailure: boolean;
  /** `on_success`: a message once when a run succeeds. */
  onSuccess: boolean;
  /** Where it goes: `on_success.recipients`, else the same channels as the other alerts. */
  successRecipients: string[];
  onLongRunMinutes: number | undefined;
  /** Channel names: the job's recipients, else notifications.default. */
  recipients: string[];
}

/** Which old run logs of the job may be deleted; a field undefined does not restrict. */
export interface RetentionSettings {
  days: number | undefined;
  keepLast: number | undefined;
}

export interface JobSchedule {
  expression: string;
  timezone: string;
  cron: ParsedCron;
}

/** `trigger:`: the daemon starts the job once the runs of `after` for a logical date ended as `on` says. */
export interface JobTrigger {
  /** Job ids, in the file's order. */
  after: string[];
  on: ChainOutcome;
}

export interface StepDefinition {
  name: string;
  type: string;
  description: string | undefined;
  /** 0-based position in the job. */
  index: number;
  timeoutMs: number | undefined;
  retry: RetrySettings;
  runIf: RunIf;
  /** `rerun_on_resume`: run again when a run is resumed, even if it succeeded in the run resumed. */
  rerunOnResume: boolean;
  /** The type's own fields, with their `${…}` references not yet resolved. */
  fields: Record<string, unknown>;
}

export interface Job {
  id: string;
  /** As shown to the user, and absolute. */
  file: string;
  absolutePath: string;
  description: string | undefined;
  tags: string[];
  enabled: boolean;
  schedule: JobSchedule | undefined;
  /** Runs after other jobs (as well as, or instead of, on a schedule). */
  trigger: JobTrigger | undefined;
  /** The schedule's zone, else defaults.timezone, else UTC: the zone its runs' logical dates are written in. */
  timezone: string;
  params: Record<string, ParamDefinition>;
  retry: RetrySettings;
  alerts: AlertSettings;
  concurrency: Concurrency;
  misfireGraceMinutes: number;
  /** With `state:`, when its daemon dies mid-run: alert only, or alert and run it once more elsewhere. */
  onAbandoned: AbandonedPolicy;
  /** The longest a run may take (`timeout:`); undefined: no limit. */
  timeoutMs: number | undefined;
  /** `runs_retention:`; undefined: its run logs are kept. */
  runsRetention: RetentionSettings | undefined;
  steps: StepDefinition[];
}
