/**
 * The HTTP client the webhook channels post with, in a module of its own: undici is a megabyte of
 * code, loaded on a run's first alert rather than by every run that might send one.
 * Idle sockets do not keep the process alive; alerts are rare, so they are not kept long.
 */
import { Agent, request } from "undici";

// node:http for its status texts only; loaded here so that `validate` (which reads the channel types) does not load it.
export { STATUS_CODES } from "node:http";

export const agent = new Agent({ keepAliveTimeout: 4_000 });
export { request };
