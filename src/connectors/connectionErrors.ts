/**
 * Database errors in the user's terms: one reason a person can act on (host not found, refused,
 * authentication failed, database missing, TLS, timeout), never a stack trace or a password.
 */
import { ConnectorError, StepError } from "../errors.js";

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

/** Whether another try might help: a network fault yes, a wrong password or a missing table no. */
const PERMANENT_CODES = new Set(["28P01", "28000", "3D000", "42P01", "42501", "42703", "42601", "3F000", "42883", "22P02", "23505", "23503", "23502", "23514"]);

export function isPermanentDatabaseError(error: unknown): boolean {
  const code = (error as PgLikeError | undefined)?.code;
  if (code !== undefined && PERMANENT_CODES.has(code)) return true;
  // A ConnectorError carries the driver's error as its cause.
  return error instanceof ConnectorError && error.cause !== undefined && isPermanentDatabaseError(error.cause);
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
