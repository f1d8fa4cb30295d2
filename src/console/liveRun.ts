/**
 * `GET api/runs/RUN_ID/live`: the run page as server-sent events. Event `run` carries a whole
 * RunDetail, sent at once and then within 250 ms of any new event of the run (changes that come
 * together are sent together); `end` follows once the run has ended, and the server closes the
 * stream. New events come from following the run's log (`nomaflow show --follow`'s reader) or,
 * for another host's run, the state store.
 */
import type { ServerResponse } from "node:http";
import type { IsAlive } from "../files/processIsAlive.js";
import { followRunLog } from "../run-logs/followRunLog.js";
import type { RunEvent } from "../run-logs/runEvents.js";
import { followStoredRun } from "../state/followStoredRun.js";
import { HttpRefusal, SECURITY_HEADERS } from "./httpAnswers.js";
import { foldRun, type RunLocation, type RunSource } from "./runLocator.js";

export interface LiveRunOptions {
  isAlive: IsAlive;
  /** Changes are gathered this long before they are sent. @default 100 */
  batchMs?: number;
  /** A comment line this often keeps idle proxies from closing the stream. @default 15000 */
  keepAliveMs?: number;
  /** How often the store is asked for new events of another host's run. @default 150 */
  storePollMs?: number;
}

/** Counts the streams open, to refuse more than the server follows at once. */
export class LiveStreams {
  #open = 0;

  constructor(readonly max: number) {}

  get open(): number {
    return this.#open;
  }

  /** Takes a place; the function gives it back. @throws HttpRefusal 503 when `max` streams are open */
  take(): () => void {
    if (this.#open >= this.max) {
      throw new HttpRefusal(503, `${this.max} live run pages are open already, the most this console follows at once`, {
        hint: "close some, or reload this page in a moment",
        headers: { "Retry-After": "10" },
      });
    }
    this.#open += 1;
    let released = false;
    return () => {
      if (!released) this.#open -= 1;
      released = true;
    };
  }
}

/** Streams the run until it ends or the visitor goes; refusals (no such run) are thrown before anything is written. */
export async function streamRun(source: RunSource, location: RunLocation, response: ServerResponse, options: LiveRunOptions): Promise<void> {
  const { fold, refresh } = await foldRun(source, location, options.isAlive);
  const stop = new AbortController();
  const onClose = () => stop.abort();
  response.once("close", onClose);
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Accel-Buffering": "no",
    Connection: "keep-alive",
  });
  const send = (event: string, data: string) => {
    if (!response.writableEnded && !response.destroyed) response.write(`event: ${event}\ndata: ${data}\n\n`);
  };
  let timer: NodeJS.Timeout | undefined;
  let last = "";
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const detail = JSON.stringify(fold.detail());
    // Only what changed is sent: a run that ended long ago is sent once.
    if (detail !== last) send("run", detail);
    last = detail;
  };
  const keepAlive = setInterval(() => !response.writableEnded && response.write(": keep-alive\n\n"), options.keepAliveMs ?? 15_000);
  try {
    flush();
    // The reader starts from the run's first event: those already folded are passed over.
    let skip = fold.applied;
    try {
      for await (const event of newEvents(source, location, options, stop.signal)) {
        if (skip > 0) {
          skip -= 1;
          continue;
        }
        fold.apply(event);
        timer ??= setTimeout(flush, options.batchMs ?? 100);
      }
    } catch {
      // The log or the store went away under the stream: it closes without `end`, and the page opens it again.
      return;
    }
    if (!stop.signal.aborted) {
      await refresh();
      flush();
      send("end", "{}");
    }
  } finally {
    clearTimeout(timer);
    clearInterval(keepAlive);
    response.off("close", onClose);
    response.end();
  }
}

function newEvents(source: RunSource, location: RunLocation, options: LiveRunOptions, signal: AbortSignal): AsyncGenerator<RunEvent> {
  if (source.kind === "log") return followRunLog(source.path, { signal, isAlive: options.isAlive });
  return (async function* () {
    const events = await location.store.read(location.project, async (pool) =>
      followStoredRun(pool, source.runId, { signal, pollMs: options.storePollMs ?? 150, isAlive: options.isAlive }),
    );
    if (events) yield* events;
  })();
}
