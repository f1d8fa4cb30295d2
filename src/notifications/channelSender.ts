/** What every channel type provides: one try at delivering one alert. */
import type { AlertContent } from "./alertText.js";
import type { RunAlert } from "./runAlert.js";

export interface AlertMessage {
  /** The same for every channel and every try of one alert, so a receiver can drop duplicates. */
  id: string;
  /** With secrets already masked. */
  alert: RunAlert;
  content: AlertContent;
}

export interface SendContext {
  /** Aborts when the try's time is up or the run is interrupted. */
  signal: AbortSignal;
  /** The try's time limit, for transports that take timeouts rather than a signal. */
  timeoutMs: number;
  /** PEM certificates trusted in addition to the system's (SMTP over TLS). */
  trustedCertificates: readonly string[];
}

export interface ChannelSender {
  /**
   * One try. `fields` are interpolated and match the type's schema (resolveChannel checked them).
   * @throws ChannelError, or any error (counted as retryable).
   */
  send(fields: Record<string, unknown>, message: AlertMessage, context: SendContext): Promise<void>;
}
