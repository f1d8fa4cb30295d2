/**
 * A request to the console's API that did not give what the page asked for, in words the page
 * shows: the server's own `ApiError` (message, hint, per-field problems), or what went wrong on the
 * way (no answer, an answer that is not the API's, from a proxy for instance).
 */
import type { ApiError, FieldProblem } from "../consoleApi.js";

export class ApiFailure extends Error {
  constructor(
    message: string,
    /** The HTTP status, 0 when no answer came. */
    readonly status: number,
    readonly hint: string | null = null,
    readonly problems: FieldProblem[] = [],
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

export function serverNotAnswering(): ApiFailure {
  return new ApiFailure(
    "the console's server is not answering",
    0,
    "Is `nomaflow console` (or the daemon serving it) still running? Reload the page once it is.",
  );
}

function isApiError(value: unknown): value is ApiError {
  return typeof value === "object" && value !== null && typeof (value as { error?: unknown }).error === "string";
}

function problemsOf(value: ApiError): FieldProblem[] {
  if (!Array.isArray(value.problems)) return [];
  return value.problems.filter((problem) => typeof problem?.field === "string" && typeof problem?.message === "string");
}

/** The failure for an answer with a 4xx/5xx status, or a 2xx one whose body is not JSON. */
export function failureFromAnswer(status: number, statusText: string, body: string): ApiFailure {
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not JSON: a proxy's error page, or a server that is not the console's.
  }
  if (isApiError(parsed)) return new ApiFailure(parsed.error, status, typeof parsed.hint === "string" ? parsed.hint : null, problemsOf(parsed));
  const answer = `${status}${statusText ? ` ${statusText}` : ""}`;
  if (status >= 200 && status < 300) return new ApiFailure(`the console's server answered ${answer} without the JSON the page expects`, status);
  return new ApiFailure(
    `the console's server answered ${answer}`,
    status,
    status === 502 || status === 504 ? "A proxy in front of the console could not reach it." : null,
  );
}
