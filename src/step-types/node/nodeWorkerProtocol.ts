/**
 * The messages between Nomaflow and the worker threads where node callables run. Values go by
 * structured clone (Dates, BigInts and typed arrays survive); errors cannot, so they travel as
 * WireError and are rebuilt on the other side with what decides a step's fate (retryable, the
 * database error code).
 */
import { StepError } from "../../errors/nomaflowError.js";
import type { LogLevel, StepOutput } from "../stepType.js";
import type { NodeStepContext } from "./nodeContext.js";

/** What a callable's context knows of its run; the rest it asks Nomaflow for. */
export type CallContextData = Pick<NodeStepContext, "jobId" | "runId" | "stepName" | "attempt" | "params" | "env">;

export type QueryMethod = "scalar" | "fetch" | "fetchrow" | "execute";

/** A call to make, as a step asks for it. */
export interface CallInput {
  /** Absolute path of the compiled bundle. */
  bundle: string;
  /** The export to call. */
  name: string;
  /** As written in the job, for messages. */
  callable: string;
  kwargs: Record<string, unknown>;
  ctx: CallContextData;
}

/**
 * A call as sent to a thread. The environment (the same object for every run of a project) is
 * sent only when it is not the one of the thread's previous call: a thousand copies of it would
 * cost a daemon's burst megabytes.
 */
export interface CallRequest extends Omit<CallInput, "ctx"> {
  t: "call";
  id: number;
  ctx: Omit<CallContextData, "env">;
  env?: CallContextData["env"];
}

/** A question the callable's context asks Nomaflow: a query on one of its connectors, or a notification. */
export type ContextRequest =
  | { t: "query"; connector: string; method: QueryMethod; sql: string; params: unknown[] }
  | { t: "notify"; text: string; recipients: readonly string[] | undefined };

export type ToWorker =
  | CallRequest
  | { t: "abort"; id: number; message: string; retryable: boolean }
  | { t: "answer"; id: number; request: number; ok: true; value: unknown }
  | { t: "answer"; id: number; request: number; ok: false; error: WireError }
  | { t: "ping" };

export type CallFailure =
  /** The bundle threw while loading, or imports a package that is not there. */
  | { kind: "load"; error: WireError }
  /** The export is missing (`undefined`) or not a function (its typeof). */
  | { kind: "export"; found: string }
  | { kind: "threw"; error: WireError }
  | { kind: "not_json"; message: string };

export type FromWorker =
  | { t: "log"; id: number; level: LogLevel; message: string }
  | (ContextRequest & { id: number; request: number })
  | { t: "done"; id: number; ok: true; output: StepOutput }
  | { t: "done"; id: number; ok: false; failure: CallFailure }
  | { t: "pong" };

export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** The error's code, or its cause's (a connector error carries the driver's). */
  code?: string;
  /** Set for a StepError. */
  step?: { retryable: boolean; hint?: string; retryAfterSeconds?: number };
}

export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const own = (error as { code?: unknown }).code;
  const ofCause = (error.cause as { code?: unknown } | undefined)?.code;
  const code = typeof own === "string" ? own : typeof ofCause === "string" ? ofCause : undefined;
  const wire: WireError = { name: error.name, message: error.message, stack: error.stack, code };
  if (error instanceof StepError) wire.step = { retryable: error.retryable, hint: error.hint, retryAfterSeconds: error.retryAfterSeconds };
  return wire;
}

/** An Error again: a StepError as such, any other with its name, message and code. */
export function fromWireError(wire: WireError): Error {
  if (wire.step) return new StepError(wire.message, wire.step);
  const error = new Error(wire.message) as Error & { code?: string };
  error.name = wire.name;
  if (wire.code !== undefined) error.code = wire.code;
  return error;
}
