/**
 * Talking to the console's server: relative paths only (the console may sit under a proxy's
 * prefix), JSON both ways, and the CSRF token on every request that changes something. Whatever goes
 * wrong comes back as an `ApiFailure` for the page to show; an aborted request (the page was left)
 * rejects with the abort's own error, which pages ignore.
 */
import { ApiFailure, failureFromAnswer, serverNotAnswering } from "./apiFailure.js";

let csrfToken: string | null = null;

/** Set from `ConsoleInfo.csrf` whenever the console's info is read. */
export function useCsrfToken(token: string | null): void {
  csrfToken = token;
}

async function send(method: string, path: string, body: unknown, signal: AbortSignal | undefined, extra: Record<string, string> = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...extra };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken !== null) headers["X-CSRF-Token"] = csrfToken;
  try {
    return await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw serverNotAnswering();
  }
}

async function readJson<T>(response: Response): Promise<T> {
  const text = await response.text();
  if (!response.ok) throw failureFromAnswer(response.status, response.statusText, text);
  if (text === "") return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw failureFromAnswer(response.status, response.statusText, text);
  }
}

async function request<T>(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
  return readJson<T>(await send(method, path, body, signal));
}

/**
 * GET with the ETag of what the page has: null when the server answers 304 (unchanged, no body),
 * else the new value and its ETag.
 */
export async function getJsonIfChanged<T>(path: string, etag: string | null, signal?: AbortSignal): Promise<{ value: T; etag: string | null } | null> {
  const response = await send("GET", path, undefined, signal, etag === null ? {} : { "If-None-Match": etag });
  if (response.status === 304) return null;
  return { value: await readJson<T>(response), etag: response.headers.get("ETag") };
}

export function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return request<T>("GET", path, undefined, signal);
}

export function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return request<T>("POST", path, body, signal);
}

export function deleteJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return request<T>("DELETE", path, undefined, signal);
}

/** Whether an error only says the request was abandoned because the page changed. */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

export { ApiFailure };
