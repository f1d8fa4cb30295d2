/**
 * The few error classes Nomaflow throws. The CLI prints a known class as one line (plus a hint)
 * and exits with its code; anything else is a bug and prints its stack.
 */

/** Where in a file something is; line and column are 1-based. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

interface NomaflowErrorOptions {
  cause?: unknown;
  hint?: string;
}

/** Base class: a user-facing error with an exit code and an optional hint. */
export abstract class NomaflowError extends Error {
  abstract readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(message: string, options: NomaflowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** Bad command-line use: unknown job, bad flag value, ill-typed parameter. Exit 2. */
export class UsageError extends NomaflowError {
  readonly exitCode = 2;
}

/** A project file is wrong. Carries the position when one is known. Exit 2. */
export class ConfigError extends NomaflowError {
  readonly exitCode = 2;
  readonly position: SourcePosition | undefined;

  constructor(message: string, options: NomaflowErrorOptions & { position?: SourcePosition } = {}) {
    super(options.position ? `${formatPosition(options.position)}: ${message}` : message, options);
    this.position = options.position;
  }
}

/** A cron expression that does not parse; `offset` is the 0-based index in the expression. */
export class CronSyntaxError extends NomaflowError {
  readonly exitCode = 2;
  readonly offset: number;

  constructor(message: string, offset = 0, options: NomaflowErrorOptions = {}) {
    super(message, options);
    this.offset = offset;
  }
}

const STEP_ERROR_BRAND = Symbol.for("nomaflow.StepError");

/**
 * A step failed. `retryable` false means another attempt cannot help (bad config, 4xx).
 * `retryAfterSeconds` is a wait the other side asked for (HTTP Retry-After); the runner waits at
 * least that long before the next try. Exit 1.
 */
export class StepError extends NomaflowError {
  /**
   * Plugins may load another copy of this module (the package entry beside the bundled CLI), so
   * `instanceof` looks for a brand shared by every copy rather than for this one class.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // Subclasses (a timeout, an HTTP status) are told apart by their own class, as usual.
    if (this !== StepError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[STEP_ERROR_BRAND] === true;
  }

  readonly [STEP_ERROR_BRAND] = true;
  readonly exitCode = 1;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: NomaflowErrorOptions & { retryable?: boolean; retryAfterSeconds?: number | undefined } = {}) {
    super(message, options);
    this.retryable = options.retryable ?? true;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A connector could not connect or a query failed, in the user's terms. Exit 1. */
export class ConnectorError extends NomaflowError {
  readonly exitCode = 1;
  readonly connector: string;

  constructor(connector: string, message: string, options: NomaflowErrorOptions = {}) {
    super(`connector ${connector}: ${message}`, options);
    this.connector = connector;
  }
}

/**
 * Why a run was interrupted, when it was not a person's Ctrl-C or the daemon's stop: the run's
 * final event records `reason` (`lease_lost`: its daemon lost its lease on the state store).
 */
export class RunInterruption extends Error {
  constructor(
    message: string,
    readonly reason: "lease_lost",
  ) {
    super(message);
  }
}

export function formatPosition(position: SourcePosition): string {
  return `${position.file}:${position.line}:${position.column}`;
}
