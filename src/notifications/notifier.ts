/**
 * Delivers one alert to its channels: all at once, each with a few tries and a time limit per
 * try, secrets masked in the alert and in every error. It reports how each channel fared and never
 * throws: a channel that cannot be reached must not change what happened to the run.
 */
import { randomUUID } from "node:crypto";
import type { ProjectEnvironment } from "../templates/envFile.js";
import type { ChannelConfig } from "../project/projectConfig.js";
import { SecretMasker } from "../secrets/secretMasker.js";
import { formatDuration } from "../project/formatDuration.js";
import { withRetries } from "../errors/withRetries.js";
import { alertContent } from "./alertText.js";
import { ChannelError } from "./channelError.js";
import type { AlertMessage } from "./channelSender.js";
import { channelSenders } from "./channelSenders.js";
import { resolveChannel, type ResolvedChannel } from "./resolveChannel.js";
import type { RunAlert } from "./runAlert.js";

export interface AlertDelivery {
  channel: string;
  /** The channel's type; null when nomaflow.yaml defines no channel of that name. */
  channelType: string | null;
  ok: boolean;
  /** Tries made; 0 when the channel could not be used at all (undefined, a variable unset). */
  attempts: number;
  /** The last try's error, secrets masked; null when sent. */
  error: string | null;
}

export interface NotifierOptions {
  channels: ReadonlyMap<string, ChannelConfig>;
  /** Where the channels' `${env:…}` come from. */
  environment: ProjectEnvironment;
  /** Tries per channel. @default 3 */
  tries?: number;
  /** Wait before the second try; it doubles for each later one. @default 1000 */
  backoffMs?: number;
  /** Time limit of one try. @default 10000 */
  timeoutMs?: number;
  /** Waits between tries; must reject when `signal` aborts. @default real timers */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * PEM certificates trusted besides the system's for SMTP over TLS: a test server's, a private
   * CA's. Verification itself cannot be turned off. @default []
   */
  trustedCertificates?: readonly string[];
}

export interface SendOptions {
  /**
   * Masks secrets in the alert, its payloads and the errors; the channels' own secrets are added
   * to it. Pass the run's masker so the run's secrets are masked too. @default a new SecretMasker
   */
  masker?: SecretMasker;
  /** Aborting it gives up: no further tries (an interrupted run). */
  signal?: AbortSignal;
}

/** The first list that names any channel, without repeats: explicit recipients, then the job's, then the defaults. */
export function pickRecipients(...lists: Array<readonly string[] | undefined>): string[] {
  return [...new Set(lists.find((list) => list !== undefined && list.length > 0) ?? [])];
}

const NEVER = new AbortController().signal;

export class Notifier {
  readonly #channels: ReadonlyMap<string, ChannelConfig>;
  readonly #environment: ProjectEnvironment;
  readonly #tries: number;
  readonly #backoffMs: number;
  readonly #timeoutMs: number;
  readonly #sleep: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
  readonly #trustedCertificates: readonly string[];

  constructor(options: NotifierOptions) {
    this.#channels = options.channels;
    this.#environment = options.environment;
    this.#tries = Math.max(1, options.tries ?? 3);
    this.#backoffMs = options.backoffMs ?? 1000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#sleep = options.sleep;
    this.#trustedCertificates = options.trustedCertificates ?? [];
  }

  /** A notifier for a project's channels (nomaflow.yaml `notifications.channels`). */
  static forProject(
    project: { config: { channels: ReadonlyMap<string, ChannelConfig> }; environment: ProjectEnvironment },
    options: Omit<NotifierOptions, "channels" | "environment"> = {},
  ): Notifier {
    return new Notifier({ ...options, channels: project.config.channels, environment: project.environment });
  }

  /** Sends `alert` to each recipient (channel names) at once; one delivery per distinct name, in order. */
  async send(alert: RunAlert, recipients: readonly string[], options: SendOptions = {}): Promise<AlertDelivery[]> {
    const masker = options.masker ?? new SecretMasker();
    const signal = options.signal ?? NEVER;
    const targets = [...new Set(recipients)].map((name) => this.#target(name, masker));
    // Masked after every channel's secrets are known: a webhook URL quoted in an error is one.
    const shown = masker.maskValue(alert);
    const message: AlertMessage = { id: randomUUID(), alert: shown, content: alertContent(shown) };
    return Promise.all(
      targets.map((target) =>
        "problem" in target
          ? { channel: target.name, channelType: target.type, ok: false, attempts: 0, error: masker.mask(target.problem) }
          : this.#deliver(target, message, masker, signal),
      ),
    );
  }

  #target(name: string, masker: SecretMasker): ResolvedChannel | { name: string; type: string | null; problem: string } {
    const config = this.#channels.get(name);
    if (!config) {
      const known = [...this.#channels.keys()].join(", ") || "none";
      return { name, type: null, problem: `channel ${name} is not defined in nomaflow.yaml (notifications.channels has: ${known})` };
    }
    try {
      const resolved = resolveChannel(config, this.#environment);
      for (const secret of resolved.secrets) masker.add(secret);
      return resolved;
    } catch (error) {
      return { name, type: config.type, problem: error instanceof Error ? error.message : String(error) };
    }
  }

  async #deliver(channel: ResolvedChannel, message: AlertMessage, masker: SecretMasker, outer: AbortSignal): Promise<AlertDelivery> {
    const sender = channelSenders[channel.type];
    const outcome = await withRetries(
      async () => {
        const timeout = AbortSignal.timeout(this.#timeoutMs);
        const signal = AbortSignal.any([timeout, outer]);
        try {
          await settledOrAborted(
            sender.send(channel.fields, message, { signal, timeoutMs: this.#timeoutMs, trustedCertificates: this.#trustedCertificates }),
            signal,
          );
        } catch (caught) {
          throw outer.aborted
            ? new Error(`gave up: ${reasonText(outer.reason, "interrupted")}`)
            : timeout.aborted
              ? new Error(`timed out after ${formatDuration(this.#timeoutMs)}`)
              : caught;
        }
      },
      {
        tries: this.#tries,
        retryable: (error) => (error instanceof ChannelError ? error.retryable : true),
        waitMs: (tries) => this.#backoffMs * 2 ** (tries - 1),
        signal: outer,
        sleep: this.#sleep,
      },
    );
    if (outcome.ok) return { channel: channel.name, channelType: channel.type, ok: true, attempts: outcome.tries, error: null };
    const error = outcome.interrupted
      ? new Error(`gave up before try ${outcome.tries + 1}: ${reasonText(outer.reason, "interrupted")}; last error: ${reasonText(outcome.error, "unknown")}`)
      : outcome.error;
    return { channel: channel.name, channelType: channel.type, ok: false, attempts: outcome.tries, error: masker.mask(reasonText(error, "unknown error")) };
  }
}

/** `work`'s outcome, or a rejection as soon as `signal` aborts (a sender that ignores its signal is not waited for). */
function settledOrAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => {}); // its late rejection, after an abort, is not an unhandled one
  const reason = () => (signal.reason instanceof Error ? signal.reason : new Error(reasonText(signal.reason, "aborted")));
  if (signal.aborted) return Promise.reject(reason());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason());
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function reasonText(reason: unknown, fallback: string): string {
  if (reason instanceof Error) return reason.message || fallback;
  return typeof reason === "string" && reason ? reason : fallback;
}
