/**
 * The context a node callable gets: DESIGN 4's plugin context in camelCase. Queries go through
 * Nomaflow's connectors; logs and notifications go to the run log and the project's channels.
 */
import type { LogLevel, StepRunContext } from "../stepType.js";

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
   * other long work should watch it, since an in-process function cannot be killed. A function
   * that returns after it fired is taken as stopped by it: the step fails for its reason.
   */
  signal: AbortSignal;
}

export function nodeStepContext(context: StepRunContext, signal: AbortSignal): NodeStepContext {
  const logAt = (level: LogLevel) => (message: string) => context.log(level, String(message));
  const options = { signal, applicationName: context.applicationName };
  return {
    jobId: context.jobId,
    runId: context.runId,
    stepName: context.stepName,
    attempt: context.attempt,
    params: context.params,
    env: context.env,
    log: { debug: logAt("debug"), info: logAt("info"), warning: logAt("warning"), warn: logAt("warning"), error: logAt("error") },
    getConnector(name) {
      const connector = context.connector(name);
      return {
        scalar: (sql, ...params) => connector.scalar(sql, params, options),
        fetch: (sql, ...params) => connector.fetch(sql, params, options),
        fetchrow: (sql, ...params) => connector.fetchrow(sql, params, options),
        execute: (sql, ...params) => connector.execute(sql, params, options),
      };
    },
    notify: (text, recipients) => context.notify(String(text), recipients),
    signal,
  };
}
