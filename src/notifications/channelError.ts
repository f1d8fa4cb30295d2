/**
 * A channel could not deliver an alert. `retryable` false means another try cannot help (the
 * channel is not defined, a variable is unset, the receiver refused the request as malformed).
 * It never leaves the notifier: it becomes an `alert_failed` event, never a failed run.
 */
export class ChannelError extends Error {
  readonly retryable: boolean;

  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ChannelError";
    this.retryable = options.retryable;
  }
}

/** TLS verification failures (self-signed, expired, wrong name): the same answer on every try. */
export function isCertificateError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as NodeJS.ErrnoException).code ?? "";
    if (/CERT|ALTNAME|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code) || /certificate|altname/i.test(current.message)) return true;
  }
  return false;
}
