/**
 * A run's alerts (DESIGN 6.3): `on_long_run_minutes` once when the run passes that age,
 * `on_failure` once when it ends failed, `on_success` once when it ends succeeded, and the `notify`
 * of its plugins. Each channel's outcome
 * is written as `alert_sent` or `alert_failed`; nothing here can fail the run. The runner waits
 * for alerts still being sent before its final event, so they are all in the log, before it.
 */
import type { Job } from "../project/job.js";
import type { AlertKind, UnstampedRunEvent } from "../run-logs/runEvents.js";
import { failureAlert, longRunAlert, notifyAlert, successAlert, type RunAlert } from "./runAlert.js";
import { pickRecipients, type AlertDelivery, type Notifier } from "./notifier.js";
import type { SecretMasker } from "../secrets/secretMasker.js";

export interface RunAlertsOptions {
  notifier: Notifier;
  job: Job;
  runId: string;
  host: string;
  /** Epoch ms. */
  startedAt: number;
  now: () => number;
  masker: SecretMasker;
  emit: (event: UnstampedRunEvent) => unknown;
  /** How long a minute of `on_long_run_minutes` is (tests shorten it). */
  minuteMs: number;
  /** An interrupted run gives up on alerts still being tried. */
  interrupt: AbortSignal;
}

export class RunAlerts {
  readonly #options: RunAlertsOptions;
  readonly #inFlight = new Set<Promise<void>>();
  #longRunTimer: NodeJS.Timeout | undefined;
  /** The step running now, named in a long-run alert. */
  currentStep: string | null = null;

  constructor(options: RunAlertsOptions) {
    this.#options = options;
  }

  /** Arms the long-run alert, if the job has one. The timer does not keep the process alive. */
  start(): void {
    const minutes = this.#options.job.alerts.onLongRunMinutes;
    if (minutes === undefined) return;
    this.#longRunTimer = setTimeout(() => {
      this.#longRunTimer = undefined;
      const alert = longRunAlert(this.#facts(), { minutes, now: this.#options.now(), step: this.currentStep });
      void this.#send("on_long_run", alert, this.#options.job.alerts.recipients, undefined);
    }, minutes * this.#options.minuteMs);
    this.#longRunTimer.unref();
  }

  /** A plugin's `ctx.notify`: `recipients` when it names any, else the job's. Never rejects. */
  notify(step: string, text: string, recipients: readonly string[] | undefined): Promise<void> {
    const alert = notifyAlert(this.#facts(), { step, text, now: this.#options.now() });
    return this.#send("notify", alert, pickRecipients(recipients, this.#options.job.alerts.recipients), step);
  }

  /** `on_failure`, when the job wants it. `error` is the failed step's own error. */
  failed(failedStep: string | null, error: string, endedAt: number): Promise<void> {
    this.#stopTimer();
    if (!this.#options.job.alerts.onFailure) return Promise.resolve();
    return this.#send("on_failure", failureAlert(this.#facts(), { failedStep, error, endedAt }), this.#options.job.alerts.recipients, undefined);
  }

  /** `on_success`, when the job wants it: to `on_success.recipients`, else the job's. */
  succeeded(endedAt: number): Promise<void> {
    this.#stopTimer();
    const { alerts } = this.#options.job;
    if (!alerts.onSuccess) return Promise.resolve();
    return this.#send("on_success", successAlert(this.#facts(), endedAt), alerts.successRecipients, undefined);
  }

  /** Stops the long-run timer and waits for every alert still being sent (each is bounded by its tries). */
  async settle(): Promise<void> {
    this.#stopTimer();
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #stopTimer(): void {
    clearTimeout(this.#longRunTimer);
    this.#longRunTimer = undefined;
  }

  #facts() {
    const { job, runId, host, startedAt } = this.#options;
    return { jobId: job.id, runId, host, startedAt };
  }

  #send(kind: AlertKind, alert: RunAlert, recipients: string[], step: string | undefined): Promise<void> {
    const { notifier, masker, interrupt, emit } = this.#options;
    if (recipients.length === 0) {
      // Alerts without channels are normal (a project with none); a plugin's message is not lost silently.
      if (kind === "notify" && step !== undefined) {
        emit({
          event: "log",
          step,
          level: "warning",
          message: `notification not sent: no channel to send it to (no recipients given, the job names none, notifications.default is empty): ${alert.text ?? ""}`,
        });
      }
      return Promise.resolve();
    }
    const sending = notifier
      .send(alert, recipients, { masker, signal: interrupt })
      .then((deliveries) => {
        for (const delivery of deliveries) emit(alertEvent(kind, delivery, step));
      })
      .catch((error: unknown) => {
        // The notifier reports failures as deliveries; this is a bug, but it must not fail the run.
        emit({
          event: "log",
          step: step ?? null,
          level: "error",
          message: `alert ${kind} could not be sent: ${error instanceof Error ? error.message : String(error)}`,
        });
      })
      .finally(() => this.#inFlight.delete(sending));
    this.#inFlight.add(sending);
    return sending;
  }
}

function alertEvent(kind: AlertKind, delivery: AlertDelivery, step: string | undefined): UnstampedRunEvent {
  return {
    event: delivery.ok ? "alert_sent" : "alert_failed",
    channel: delivery.channel,
    ...(delivery.channelType === null ? {} : { channel_type: delivery.channelType }),
    kind,
    ...(step === undefined ? {} : { step }),
    attempts: delivery.attempts,
    ...(delivery.error === null ? {} : { error: delivery.error }),
  };
}
