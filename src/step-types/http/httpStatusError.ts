import { StepError } from "../../errors/nomaflowError.js";

/**
 * An http step got a status outside expect_status. Retryable for 429 and 5xx. When the server
 * sent Retry-After, `retryAfterSeconds` (a StepError field) says how long it asked to wait.
 */
export class HttpStatusError extends StepError {
  readonly status: number;

  constructor(message: string, options: { status: number; retryAfterSeconds?: number | undefined }) {
    super(message, { retryable: options.status === 429 || options.status >= 500, retryAfterSeconds: options.retryAfterSeconds });
    this.status = options.status;
  }
}

/** Retry-After is either a number of seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
