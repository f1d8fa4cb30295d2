import { StepError } from "../errors/nomaflowError.js";

/** The error a step type throws when its signal stopped it: `<what> cancelled: <the reason>`. */
export function cancelledError(what: string, signal: AbortSignal): StepError {
  const reason: unknown = signal.reason;
  const text = reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "";
  return new StepError(`${what} cancelled${text ? `: ${text}` : ""}`, { cause: reason });
}
