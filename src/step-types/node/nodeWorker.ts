/**
 * A worker thread where node callables run, many at once (each is async), so that one that does
 * not stop can be stopped with its thread. It imports each bundle once, calls the function with a
 * context whose queries, notifications and logs go to Nomaflow by message, and answers pings so
 * that Nomaflow can tell a busy thread (a loop that never yields) from one that is waiting.
 */
import { parentPort } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { StepError } from "../../errors/nomaflowError.js";
import { loadOnce } from "../loadOnce.js";
import { withConsoleCapture } from "./consoleCapture.js";
import { nodeStepContext, type ContextChannel } from "./nodeContext.js";
import { fromWireError, toWireError, type CallFailure, type CallRequest, type FromWorker, type ToWorker } from "./nodeWorkerProtocol.js";

// Stacks point into the plugin's own files, not the bundle (it carries an inline source map).
process.setSourceMapsEnabled(true);

const port = parentPort!;
const send = (message: FromWorker) => port.postMessage(message);

interface RunningCall {
  controller: AbortController;
  requests: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>;
  nextRequest: number;
}

const running = new Map<number, RunningCall>();
/** The environment of the calls, sent with the first call and whenever it changes. */
let environment: NonNullable<CallRequest["env"]> = {};

port.on("message", (message: ToWorker) => {
  switch (message.t) {
    case "call":
      if (message.env) environment = message.env;
      void call(message);
      break;
    case "abort": {
      const reason = new StepError(message.message, { retryable: message.retryable });
      running.get(message.id)?.controller.abort(reason);
      break;
    }
    case "answer": {
      const pending = running.get(message.id)?.requests;
      const request = pending?.get(message.request);
      if (!request) break;
      pending!.delete(message.request);
      if (message.ok) request.resolve(withBuffers(message.value));
      else request.reject(fromWireError(message.error));
      break;
    }
    case "ping":
      send({ t: "pong" });
      break;
  }
});

/** Bundles imported by this thread, by path: a bundle's name holds its content hash, so it never changes. */
const imported = new Map<string, () => Promise<Record<string, unknown>>>();

function importBundle(path: string): Promise<Record<string, unknown>> {
  let load = imported.get(path);
  if (!load) {
    load = loadOnce(() => import(pathToFileURL(path).href) as Promise<Record<string, unknown>>);
    imported.set(path, load);
  }
  return load();
}

async function call(request: CallRequest): Promise<void> {
  const { id } = request;
  const state: RunningCall = { controller: new AbortController(), requests: new Map(), nextRequest: 0 };
  running.set(id, state);
  const fail = (failure: CallFailure) => send({ t: "done", id, ok: false, failure });
  try {
    let loaded: Record<string, unknown>;
    try {
      loaded = await importBundle(request.bundle);
    } catch (error) {
      return fail({ kind: "load", error: toWireError(error) });
    }
    const exported = loaded[request.name];
    if (typeof exported !== "function") return fail({ kind: "export", found: typeof exported });
    const channel: ContextChannel = {
      log: (level, message) => send({ t: "log", id, level, message }),
      request: (asked) =>
        new Promise<unknown>((resolve, reject) => {
          const number = state.nextRequest++;
          state.requests.set(number, { resolve, reject });
          send({ ...asked, id, request: number });
        }),
    };
    let result: unknown;
    try {
      const context = nodeStepContext({ ...request.ctx, env: environment }, state.controller.signal, channel);
      result = await withConsoleCapture(channel.log, () => (exported as (ctx: unknown, kwargs: unknown) => unknown)(context, request.kwargs));
    } catch (error) {
      return fail({ kind: "threw", error: toWireError(error) });
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(result);
    } catch (error) {
      return fail({ kind: "not_json", message: error instanceof Error ? error.message : String(error) });
    }
    send({ t: "done", id, ok: true, output: outputOf(json) });
  } finally {
    running.delete(id);
  }
}

/** An object as is; nothing as {}; any other JSON value as { value }. */
function outputOf(json: string | undefined): Record<string, unknown> {
  if (json === undefined) return {};
  const value = JSON.parse(json) as unknown;
  if (value === null) return {};
  return typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
}

/**
 * A Buffer arrives as a plain Uint8Array: made a Buffer again (bytea values), at the depths a
 * query answers with: a value, a row, a list of rows.
 */
function withBuffers(value: unknown, depth = 0): unknown {
  if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (depth >= 2 || typeof value !== "object" || value === null || value instanceof Date) return value;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) value[index] = withBuffers(value[index], depth + 1);
  } else {
    const record = value as Record<string, unknown>;
    for (const key in record) record[key] = withBuffers(record[key], depth + 1);
  }
  return value;
}
