/**
 * Database errors in the user's terms: one reason a person can act on (host not found, refused,
 * authentication failed, database missing, TLS, timeout), never a stack trace or a password.
 */
import { ConnectorError, StepError } from "../errors/nomaflowError.js";

interface PgLikeError {
  code?: string;
  message?: string;
  /** The server's DETAIL, HINT and CONTEXT (`where`) lines. */
  detail?: string;
  hint?: string;
  where?: string;
  hostname?: string;
  address?: string;
  port?: number;
}

/**
 * SQLSTATEs another try can get past: the connection lost (class 08), a serialization failure
 * or deadlock (40001, 40P01, 40003), the server shutting down or not yet accepting (57P01-57P03,
 * 57P05), a cancel we did not ask for (57014: a statement_timeout, an administrator), a lock not
 * available (55P03), resources short (class 53) or a system I/O error (58000, 58030). Any other
 * database error — syntax and missing objects (42…), bad data (22…), constraints (23…),
 * permissions, authentication — would fail the same way next time.
 */
const RETRYABLE_CLASSES = new Set(["08", "53"]);
const RETRYABLE_CODES = new Set(["40001", "40P01", "40003", "57P01", "57P02", "57P03", "57P05", "57014", "55P03", "58000", "58030"]);

/** A PostgreSQL SQLSTATE (classes start with a digit, or are HV, P0, XX or F0), not a Node errno like EPIPE. */
const SQLSTATE = /^(?:[0-9][0-9A-Z]|HV|P0|XX|F0)[0-9A-Z]{3}$/;

/** The SQLSTATE of a database error, also when wrapped (looked up along `cause`). */
function sqlStateIn(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Object && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as PgLikeError).code;
    if (typeof code === "string" && SQLSTATE.test(code)) return code;
  }
  return undefined;
}

/**
 * Whether another try cannot help: a database error whose SQLSTATE is not one of the transient
 * ones above. A failure without a SQLSTATE (a network fault, a timeout) may pass next time.
 */
export function isPermanentDatabaseError(error: unknown): boolean {
  const code = sqlStateIn(error);
  if (code === undefined) return false;
  return !RETRYABLE_CLASSES.has(code.slice(0, 2)) && !RETRYABLE_CODES.has(code);
}

/** A database failure as a step failure: retried unless another try cannot help. */
export function databaseStepError(error: unknown): StepError {
  if (error instanceof StepError) return error;
  // A ConnectorError already says it in the user's terms; a driver's error is put in them here.
  const message = error instanceof ConnectorError ? error.message : describeDatabaseError(error);
  return new StepError(message, { cause: error, retryable: !isPermanentDatabaseError(error) });
}

/** The plain reason for a failure to connect or to run a statement. */
export function describeDatabaseError(error: unknown, where: { host?: string; port?: number; database?: string; user?: string } = {}): string {
  const failure = (error ?? {}) as PgLikeError;
  const target = where.host ? `${where.host}${where.port ? `:${where.port}` : ""}` : "the server";
  switch (failure.code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `host ${failure.hostname ?? where.host ?? "?"} not found`;
    case "ECONNREFUSED":
      return `connection refused by ${target} (is the server running and listening there?)`;
    case "ECONNRESET":
      return `connection to ${target} was reset`;
    case "ETIMEDOUT":
      return `timed out connecting to ${target}`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${target} is unreachable`;
    case "28P01":
      return `password authentication failed for user ${where.user ?? "?"}`;
    case "28000":
      return `the server refused user ${where.user ?? "?"}${where.database ? ` on database ${where.database}` : ""}: ${failure.message ?? ""}`.trim();
    case "3D000":
      return `database ${where.database ?? "?"} does not exist on ${target}`;
    case "57014":
      return "the statement was cancelled";
    case "57P01":
      return "the server ended the connection (terminated by an administrator or shutting down)";
    default:
      break;
  }
  const message = withServerNotes(failure.message ?? String(error), failure);
  if (/timeout expired|Connection terminated due to connection timeout/i.test(message)) return `timed out connecting to ${target}`;
  if (/self[- ]signed|certificate|SSL|TLS/i.test(message)) return `TLS: ${message}`;
  if (/Connection terminated unexpectedly/i.test(message)) return `the connection to ${target} was lost`;
  return message;
}

/**
 * The statement's error with what the server said about it: DETAIL names the row (`Key (id)=(1)
 * already exists.`), HINT the fix, CONTEXT the line of a function or COPY. Secrets in them are
 * masked where every step error is.
 */
function withServerNotes(message: string, failure: PgLikeError): string {
  const notes = [
    ["detail", failure.detail],
    ["hint", failure.hint],
    // The innermost frame only: a PL/pgSQL call stack would run over many lines.
    ["context", failure.where?.split("\n")[0]],
  ].filter((note): note is [string, string] => typeof note[1] === "string" && note[1].trim() !== "");
  return [message, ...notes.map(([label, text]) => `${label}: ${text.replace(/\s*\n\s*/g, " ").trim()}`)].join("; ");
}

export function connectorError(connector: string, error: unknown, where: Parameters<typeof describeDatabaseError>[1] = {}): ConnectorError {
  if (error instanceof ConnectorError) return error;
  return new ConnectorError(connector, describeDatabaseError(error, where), { cause: error });
}
