/**
 * Alerts about a run from outside the runner: the daemon uses it for a run whose process died
 * without a final event (`abandoned`). It builds the alert, picks the recipients, masks every
 * secret the project knows, and returns how each channel fared; it never throws.
 */
import { hostname } from "node:os";
import type { Job } from "../project/job.js";
import type { Project } from "../project/loadProject.js";
import { collectKnownSecrets } from "../secrets/knownSecrets.js";
import { SecretMasker } from "../secrets/secretMasker.js";
import type { RunSummary } from "../run-logs/readRunLog.js";
import { Notifier, pickRecipients, type AlertDelivery, type NotifierOptions } from "./notifier.js";
import type { AlertKind, RunAlert } from "./runAlert.js";

export interface RunAlertRequest {
  kind: AlertKind;
  jobId: string;
  runId: string;
  /** When the run started (its run_started `ts`): ISO 8601 or epoch ms; null when unknown. */
  startedAt: string | number | null;
  /** When it ended; for `abandoned`, its last event's `ts`. @default null: still going, or unknown */
  endedAt?: string | number | null;
  /** Where the run ran (its run_started `host`). @default this machine's host name */
  host?: string;
  failedStep?: string | null;
  /** The failed step's error; for `abandoned`, why the run is taken for abandoned. */
  error?: string | null;
  /** The step running (on_long_run) or sending (notify). */
  step?: string | null;
  /** A plugin's text (notify). */
  text?: string | null;
  longRunMinutes?: number | null;
  /** Channel names. @default the job's alert recipients when `job` is given, else notifications.default */
  recipients?: readonly string[];
}

export interface SendRunAlertOptions extends Omit<NotifierOptions, "channels" | "environment"> {
  /** The run's job: its alert recipients, and its steps' `${env:…}` values are masked too. */
  job?: Job;
  /** A notifier to reuse (the daemon keeps one). @default Notifier.forProject(project, options) */
  notifier?: Notifier;
  /** Aborting it gives up on channels still being tried. */
  signal?: AbortSignal;
  /** @default Date.now */
  now?: () => number;
}

const STATUS: Record<AlertKind, RunAlert["status"]> = {
  on_failure: "failed",
  on_success: "succeeded",
  on_long_run: "running",
  notify: "running",
  abandoned: "abandoned",
};

const instant = (value: string | number | null | undefined): number | null => {
  const ms = value === undefined || value === null ? NaN : new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
};

/** The alert a request stands for. */
export function runAlertFrom(request: RunAlertRequest, now: number): RunAlert {
  const started = instant(request.startedAt);
  const ended = instant(request.endedAt);
  const status = STATUS[request.kind];
  // A run still going has an age; one that ended has a duration; an abandoned one, only a lower bound if its last event is known.
  const until = ended ?? (status === "running" ? now : null);
  return {
    kind: request.kind,
    jobId: request.jobId,
    runId: request.runId,
    status,
    failedStep: request.failedStep ?? null,
    error: request.error ?? (request.kind === "abandoned" ? "its process is gone and the log has no final event" : null),
    step: request.step ?? null,
    text: request.text ?? null,
    durationMs: started === null || until === null ? null : until - started,
    longRunMinutes: request.longRunMinutes ?? null,
    host: request.host ?? hostname(),
    startedAt: started === null ? "unknown" : new Date(started).toISOString(),
    endedAt: ended === null ? null : new Date(ended).toISOString(),
  };
}

/**
 * The request for an abandoned run, from its summary (readRunLog's summarizeRun): its start, host,
 * the step that was running, and why it is taken for abandoned.
 */
export function abandonedRunRequest(summary: RunSummary, lastEventAt?: string | null): RunAlertRequest {
  return {
    kind: "abandoned",
    jobId: summary.job_id,
    runId: summary.run_id,
    startedAt: summary.started_at,
    endedAt: lastEventAt ?? null,
    ...(summary.host === null ? {} : { host: summary.host }),
    step: summary.failed_step,
    error: summary.error,
  };
}

/**
 * Sends one alert about a run to its recipients. An empty result means there was no one to tell
 * (no recipients and no notifications.default). Whether to alert at all (the job's `on_failure`,
 * which an abandoned run is taken for) is the caller's call.
 */
export async function sendRunAlert(
  project: Pick<Project, "config" | "environment">,
  request: RunAlertRequest,
  options: SendRunAlertOptions = {},
): Promise<AlertDelivery[]> {
  const masker = new SecretMasker();
  collectKnownSecrets(project, options.job, masker);
  const recipients = pickRecipients(request.recipients, options.job?.alerts.recipients, project.config.defaultRecipients);
  if (recipients.length === 0) return [];
  const notifier = options.notifier ?? Notifier.forProject(project, options);
  return notifier.send(runAlertFrom(request, (options.now ?? Date.now)()), recipients, { masker, signal: options.signal });
}
