/**
 * Who may act in the console. The token (`NOMAFLOW_CONSOLE_TOKEN`, from the process environment
 * or the project's env file) is traded once for a random session id in an HttpOnly cookie; every
 * POST and DELETE must then carry that cookie, the session's CSRF token in `X-CSRF-Token`, and
 * come from the console's own origin. Sessions live in memory (a restart signs everyone out), for
 * 12 hours, and end when the token changes.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { HttpRefusal } from "./httpAnswers.js";

export const TOKEN_VARIABLE = "NOMAFLOW_CONSOLE_TOKEN";
export const SESSION_COOKIE = "nomaflow_console";
const MIN_TOKEN_LENGTH = 16;
const SESSION_MS = 12 * 60 * 60 * 1000;
const FAILURE_WINDOW_MS = 60_000;
const MAX_FAILURES = 10;
/** Addresses remembered at most; past it the oldest failures are forgotten first. */
const MAX_ADDRESSES = 10_000;

export interface ActionsState {
  available: boolean;
  reason: string | null;
}

interface Session {
  createdAt: number;
  /** sha256 of the token it was opened with. */
  tokenDigest: Buffer;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Whether actions can be enabled with this token at all, and why not. */
export function actionsState(token: string | undefined): ActionsState {
  if (token === undefined || token === "") return { available: false, reason: `no ${TOKEN_VARIABLE} is set where the console runs: actions are off` };
  if (token.length < MIN_TOKEN_LENGTH) return { available: false, reason: `${TOKEN_VARIABLE} is shorter than ${MIN_TOKEN_LENGTH} characters: actions are off` };
  return { available: true, reason: null };
}

export class ConsoleSessions {
  readonly #sessions = new Map<string, Session>();
  readonly #failures = new Map<string, number[]>();
  readonly #csrfKey = randomBytes(32);
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Opens a session for `given` when it is the token; its id.
   * @throws HttpRefusal 403 (actions off), 429 (too many failures from this address), 401 (wrong token)
   */
  signIn(address: string, given: unknown, token: string | undefined): string {
    const state = actionsState(token);
    if (!state.available) throw new HttpRefusal(403, state.reason!, { hint: `set ${TOKEN_VARIABLE} (16 characters or more) and restart the console` });
    const now = this.#now();
    const recent = (this.#failures.get(address) ?? []).filter((at) => now - at < FAILURE_WINDOW_MS);
    if (recent.length >= MAX_FAILURES) {
      const retry = Math.max(1, Math.ceil((recent[0]! + FAILURE_WINDOW_MS - now) / 1000));
      throw new HttpRefusal(429, `too many wrong tokens from ${address} in the last minute`, {
        hint: `try again in ${retry} s`,
        headers: { "Retry-After": String(retry) },
      });
    }
    // Digests of equal length, compared in constant time: the token's length is not told either.
    const tokenDigest = digest(token!);
    if (typeof given !== "string" || !timingSafeEqual(digest(given), tokenDigest)) {
      this.#noteFailure(address, [...recent, now]);
      throw new HttpRefusal(401, "wrong token", { hint: `the value of ${TOKEN_VARIABLE} where the console runs` });
    }
    this.#failures.delete(address);
    this.#sweep(now);
    const id = randomBytes(32).toString("base64url");
    this.#sessions.set(id, { createdAt: now, tokenDigest });
    return id;
  }

  signOut(id: string | undefined): void {
    if (id !== undefined) this.#sessions.delete(id);
  }

  /** The request's live session id, if it has one opened with the current token. */
  sessionOf(request: IncomingMessage, token: string | undefined): string | undefined {
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const expired = this.#now() - session.createdAt > SESSION_MS;
    if (expired || !actionsState(token).available || !timingSafeEqual(session.tokenDigest, digest(token!))) {
      this.#sessions.delete(id);
      return undefined;
    }
    return id;
  }

  /** The CSRF token of a session: an HMAC of its id under a key made at start. */
  csrfOf(id: string): string {
    return createHmac("sha256", this.#csrfKey).update(id).digest("base64url");
  }

  /**
   * Lets a POST or DELETE through, or refuses it (403): it needs a session, its CSRF token, and
   * to come from this origin. Returns the session id.
   */
  requireAction(request: IncomingMessage, token: string | undefined): string {
    const state = actionsState(token);
    if (!state.available) throw new HttpRefusal(403, state.reason!, { hint: `set ${TOKEN_VARIABLE} (16 characters or more) and restart the console` });
    this.requireSameOrigin(request);
    const id = this.sessionOf(request, token);
    if (id === undefined) throw new HttpRefusal(403, "sign in with the console token", { hint: `the value of ${TOKEN_VARIABLE} where the console runs` });
    const sent = request.headers["x-csrf-token"];
    const expected = this.csrfOf(id);
    if (typeof sent !== "string" || sent.length !== expected.length || !timingSafeEqual(Buffer.from(sent), Buffer.from(expected))) {
      throw new HttpRefusal(403, "the request's CSRF token is missing or wrong", { hint: "reload the page" });
    }
    return id;
  }

  /** @throws HttpRefusal 403 for a browser's request from another site */
  requireSameOrigin(request: IncomingMessage): void {
    if (!sameOrigin(request)) throw new HttpRefusal(403, "the request comes from another site", { hint: "actions are taken from the console's own page" });
  }

  /** `Set-Cookie` for a session (no Path: the cookie is for the api/ folder, under whatever prefix a proxy adds). */
  cookie(id: string, secure: boolean): string {
    return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}${secure ? "; Secure" : ""}`;
  }

  /** `Set-Cookie` that ends the session's cookie. */
  clearedCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Max-Age=0${secure ? "; Secure" : ""}`;
  }

  #noteFailure(address: string, failures: number[]): void {
    this.#failures.delete(address);
    if (this.#failures.size >= MAX_ADDRESSES) this.#failures.delete(this.#failures.keys().next().value!);
    this.#failures.set(address, failures);
  }

  #sweep(now: number): void {
    for (const [id, session] of this.#sessions) if (now - session.createdAt > SESSION_MS) this.#sessions.delete(id);
  }
}

/** Whether the request came over https, directly or through a proxy that says so. */
export function isSecure(request: IncomingMessage): boolean {
  const forwarded = request.headers["x-forwarded-proto"];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim().toLowerCase();
  return proto === "https" || (request.socket as { encrypted?: boolean }).encrypted === true;
}

/**
 * A request without Origin and Sec-Fetch-Site (curl, a script holding the cookie and the CSRF
 * token) passes; a browser's must say same-origin, or name this host in Origin.
 */
function sameOrigin(request: IncomingMessage): boolean {
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    return false;
  }
  const forwardedHost = request.headers["x-forwarded-host"];
  const hosts = [request.headers.host, ...(Array.isArray(forwardedHost) ? forwardedHost : [forwardedHost])].filter((value): value is string => !!value);
  return hosts.some((value) => value.split(",")[0]!.trim().toLowerCase() === host);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const equals = part.indexOf("=");
    if (equals > 0 && part.slice(0, equals).trim() === name) return part.slice(equals + 1).trim() || undefined;
  }
  return undefined;
}
