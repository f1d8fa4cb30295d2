/**
 * Who serves the console and what this visitor may do (`ConsoleInfo`), signing in with the token
 * and out. Pages ask `actionBlocker()` before enabling a button: null when the visitor may act,
 * else the reason shown beside the disabled button.
 */
import type { ConsoleInfo, SessionRequest } from "../consoleApi.js";
import { ApiFailure, deleteJson, getJson, postJson, useCsrfToken } from "./api.js";

let info: ConsoleInfo | null = null;
/** Told of each change; `pageToo` false when only the header should follow (the page keeps an error it shows). */
const listeners = new Set<(pageToo: boolean) => void>();

export function consoleInfo(): ConsoleInfo | null {
  return info;
}

function keep(next: ConsoleInfo, pageToo = true): ConsoleInfo {
  info = next;
  useCsrfToken(next.signedIn ? next.csrf : null);
  document.body.dataset.signedIn = String(next.signedIn);
  for (const listener of listeners) listener(pageToo);
  return next;
}

/** Called after every change of the info (sign in, sign out, info read again). */
export function onSessionChange(listener: (pageToo: boolean) => void): void {
  listeners.add(listener);
}

/**
 * After an action was refused for want of a session (403: the session ended, the server restarted
 * or its token changed): read the info again so that the header offers to sign in, leaving the
 * page and the refusal it shows as they are.
 */
export function recheckSession(error: unknown): void {
  if (!(error instanceof ApiFailure) || error.status !== 403) return;
  getJson<ConsoleInfo>("api/info").then(
    (next) => keep(next, false),
    () => undefined,
  );
}

export async function loadConsoleInfo(): Promise<ConsoleInfo> {
  return keep(await getJson<ConsoleInfo>("api/info"));
}

export async function signIn(token: string): Promise<ConsoleInfo> {
  const body: SessionRequest = { token };
  return keep(await postJson<ConsoleInfo>("api/session", body));
}

export async function signOut(): Promise<ConsoleInfo> {
  await deleteJson<unknown>("api/session");
  return loadConsoleInfo();
}

/** Null when the visitor may run jobs and test connections; else why not. */
export function actionBlocker(): string | null {
  if (info === null) return "the console's info has not been read";
  if (!info.actions.available) return info.actions.reason ?? "actions are off on this console";
  if (!info.signedIn) return "sign in with the console token to act";
  return null;
}
