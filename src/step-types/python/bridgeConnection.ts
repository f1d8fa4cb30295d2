/**
 * Nomaflow's side of the python step's protocol: one JSON object a line on dedicated pipes (the
 * interpreter writes on its file descriptor 3 and reads on 4), so the function's stdout and stderr
 * stay plain log lines. Each way has its own pipe so that a failed write (the interpreter is gone)
 * cannot take what the interpreter said last with it.
 *
 * Python → Nomaflow:
 *   {"t":"hello","version":"3.11.7","executable":…}              the bridge runs (_nomaflow_main.py)
 *   {"t":"too_old","version":"3.6.9","executable":…}             the launcher refuses this Python
 *   {"t":"log","level":"info","message":…}                       ctx.log.*
 *   {"t":"query","id":1,"connector":"ops-db","method":"scalar","sql":…,"args":[…]}
 *   {"t":"notify","id":2,"text":…,"recipients":["oncall"]|null}  ctx.notify
 *   {"t":"result","value":…}                                     the function returned
 *   {"t":"error","kind":"setup"|"exception"|"output","message":…,"traceback":…,"retryable"?:bool}
 * Nomaflow → Python:
 *   {"t":"start","callable":…,"plugins":…,"kwargs":{…},"ctx":{job_id,run_id,step,attempt,params}}
 *   {"t":"reply","id":1,"ok":true,"value":…}
 *   {"t":"reply","id":1,"ok":false,"error":{"kind":"query"|"notify","message":…,"code":SQLSTATE|null,"connector":…,"permanent":bool}}
 */
import type { Readable, Writable } from "node:stream";
import { isPermanentDatabaseError } from "../../connectors/connectionErrors.js";
import type { LogLevel, StepRunContext } from "../stepType.js";
import { fromPython, queryAnswer, type QueryMethod, type Wire } from "./bridgeValues.js";
import { ProtocolLines } from "./protocolLines.js";

export type BridgeOutcome =
  | { t: "result"; value: unknown }
  | { t: "error"; kind: "setup" | "exception" | "output"; message: string; traceback?: string | null; retryable?: boolean }
  | { t: "too_old"; version: string; executable: string };

export interface StartMessage {
  t: "start";
  callable: string;
  plugins: string;
  kwargs: Wire;
  ctx: { job_id: string; run_id: string; step: string; attempt: number; params: Wire };
}

const LEVELS = new Set<LogLevel>(["debug", "info", "warning", "error"]);
const METHODS = new Set<QueryMethod>(["scalar", "fetch", "fetchrow", "execute"]);

type Message = Record<string, unknown>;

export class BridgeConnection {
  /** The bridge said hello: the interpreter is a Python that got as far as Nomaflow's code. */
  started = false;
  /** The last word of the bridge, once it has said it. */
  outcome: BridgeOutcome | undefined;
  readonly #toPython: Writable;
  readonly #context: StepRunContext;
  readonly #signal: AbortSignal;
  readonly #lines: ProtocolLines;
  readonly #handling = new Set<Promise<void>>();

  /** Queries get `signal`: aborting it cancels them on the server. */
  constructor(fromPython: Readable, toPython: Writable, context: StepRunContext, signal: AbortSignal) {
    this.#toPython = toPython;
    this.#context = context;
    this.#signal = signal;
    this.#lines = new ProtocolLines((line) => this.#receive(line));
    fromPython.on("data", (chunk: Buffer) => this.#lines.write(chunk));
    // The interpreter may die with a reply on its way; that is reported from its exit, not here.
    fromPython.on("error", () => {});
    toPython.on("error", () => {});
  }

  start(message: StartMessage): void {
    this.#send(message);
  }

  /** Resolves once every request has been answered (or failed, after the interpreter went away). */
  async settled(): Promise<void> {
    while (this.#handling.size) await Promise.allSettled([...this.#handling]);
    const rest = this.#lines.rest();
    if (rest) this.#receive(rest);
  }

  #send(message: object): void {
    if (this.#toPython.writable) this.#toPython.write(`${JSON.stringify(message)}\n`);
  }

  #receive(line: string): void {
    let message: Message;
    try {
      message = JSON.parse(line) as Message;
    } catch {
      this.#context.log("warning", `python bridge: unreadable message: ${line.slice(0, 200)}`);
      return;
    }
    switch (message.t) {
      case "hello":
        this.started = true;
        this.#context.log("debug", `python ${String(message.version)} (${String(message.executable)})`);
        return;
      case "log": {
        const level = LEVELS.has(message.level as LogLevel) ? (message.level as LogLevel) : "info";
        this.#context.log(level, String(message.message));
        return;
      }
      case "query":
        this.#handle(this.#query(message));
        return;
      case "notify":
        this.#handle(this.#notify(message));
        return;
      case "result":
      case "error":
      case "too_old":
        this.outcome = message as BridgeOutcome;
        return;
      default:
        this.#context.log("warning", `python bridge: unknown message type ${JSON.stringify(message.t)}`);
    }
  }

  #handle(work: Promise<void>): void {
    this.#handling.add(work);
    void work.finally(() => this.#handling.delete(work));
  }

  async #query(message: Message): Promise<void> {
    const { id } = message;
    const name = String(message.connector);
    try {
      const method = message.method as QueryMethod;
      if (!METHODS.has(method)) throw new Error(`unknown connector method ${String(method)}`);
      const params = Array.isArray(message.args) ? (fromPython(message.args) as unknown[]) : [];
      const connector = this.#context.connector(name);
      const result = await connector.withSession((session) => session.query(String(message.sql), params), {
        signal: this.#signal,
        applicationName: this.#context.applicationName,
      });
      this.#send({ t: "reply", id, ok: true, value: queryAnswer(method, result) });
    } catch (error) {
      const code = sqlState(error);
      const failure = { kind: "query", message: this.#context.mask(messageOf(error)), code, connector: name, permanent: isPermanentDatabaseError(error) };
      this.#send({ t: "reply", id, ok: false, error: failure });
    }
  }

  async #notify(message: Message): Promise<void> {
    const recipients = Array.isArray(message.recipients) ? message.recipients.map(String) : undefined;
    try {
      await this.#context.notify(String(message.text), recipients);
      this.#send({ t: "reply", id: message.id, ok: true, value: null });
    } catch (error) {
      this.#send({ t: "reply", id: message.id, ok: false, error: { kind: "notify", message: this.#context.mask(messageOf(error)) } });
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The database's SQLSTATE, from the driver's error (a ConnectorError carries it as its cause). */
function sqlState(error: unknown): string | null {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return null;
}
