/**
 * The context a node callable gets: DESIGN 4's plugin context in camelCase. The callable runs in
 * a worker thread; its queries go through Nomaflow's connectors in the main thread, its logs and
 * notifications to the run log and the project's channels, all by message.
 */
import type { LogLevel } from "../stepType.js";
import type { CallContextData, ContextRequest, QueryMethod } from "./nodeWorkerProtocol.js";

export interface PluginConnector {
  /** The first column of the first row, or null. Parameters are `$1`, `$2`, …. */
  scalar(sql: string, ...params: unknown[]): Promise<unknown>;
  /** Every row, as objects keyed by column name. */
  fetch(sql: string, ...params: unknown[]): Promise<Record<string, unknown>[]>;
  /** The first row, or null. */
  fetchrow(sql: string, ...params: unknown[]): Promise<Record<string, unknown> | null>;
  /** Rows affected. */
  execute(sql: string, ...params: unknown[]): Promise<number>;
}

export interface PluginLog {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  /** Same as `warning`. */
  warn(message: string): void;
  error(message: string): void;
}

export interface NodeStepContext {
  jobId: string;
  runId: string;
  stepName: string;
  /** 1-based number of this try. */
  attempt: number;
  /** The run's parameters, typed. */
  params: Readonly<Record<string, unknown>>;
  /** The project's environment. */
  env: Readonly<Record<string, string | undefined>>;
  log: PluginLog;
  /** A connector of nomaflow.yaml. */
  getConnector(name: string): PluginConnector;
  /** Sends `text` to `recipients` (channel names), else the job's alert recipients, else `notifications.default`. */
  notify(text: string, recipients?: readonly string[]): Promise<void>;
  /**
   * Aborts on timeout or interrupt. Queries made through `getConnector` are cancelled by it;
   * other long work should watch it: a function still running once the grace period is over is
   * stopped with its worker thread. A function that returns after it fired is taken as stopped
   * by it: the step fails for its reason.
   */
  signal: AbortSignal;
}

/** How a context built in a worker thread reaches Nomaflow. */
export interface ContextChannel {
  log(level: LogLevel, message: string): void;
  request(request: ContextRequest): Promise<unknown>;
}

/** The context of one call, in the worker thread: its queries and notifications are asked of Nomaflow. */
export function nodeStepContext(data: CallContextData, signal: AbortSignal, channel: ContextChannel): NodeStepContext {
  const logAt = (level: LogLevel) => (message: string) => channel.log(level, String(message));
  return {
    ...data,
    log: { debug: logAt("debug"), info: logAt("info"), warning: logAt("warning"), warn: logAt("warning"), error: logAt("error") },
    getConnector(connector) {
      const query =
        (method: QueryMethod) =>
        (sql: string, ...params: unknown[]) =>
          channel.request({ t: "query", connector, method, sql, params });
      return {
        scalar: query("scalar"),
        fetch: query("fetch") as PluginConnector["fetch"],
        fetchrow: query("fetchrow") as PluginConnector["fetchrow"],
        execute: query("execute") as PluginConnector["execute"],
      };
    },
    notify: async (text, recipients) => void (await channel.request({ t: "notify", text: String(text), recipients })),
    signal,
  };
}
