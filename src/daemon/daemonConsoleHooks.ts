/**
 * What `nomaflow daemon --http` lends the web console it serves beside /healthz and /metrics. The
 * CLI builds the console from these (daemon/ never imports console/), so Run now goes through the
 * daemon's own launcher.
 */
import type { HttpHandler } from "./httpServer.js";

/** What the daemon lends the console it serves. */
export interface DaemonConsoleHooks {
  /**
   * Run now: the job as this daemon has it, with `params` already checked, through the daemon's
   * launcher (its stop, its history writer, its limits and the job's `forbid` apply).
   * @throws UsageError when the daemon cannot start it now, or has no valid job of that id
   */
  startRun(jobId: string, params: Record<string, unknown>): Promise<{ runId: string }>;
  /** This daemon, for the console's cluster page when there is no state store. */
  self(): DaemonSelf;
  /** A bug behind a console page (answered 500): into the daemon's log. */
  reportError(error: unknown): void;
}

export interface DaemonSelf {
  host: string;
  pid: number;
  version: string;
  startedAt: number;
  runsGoing: number;
  maxRuns: number | null;
}

/** A console being served: its answer to every path but /healthz and /metrics, and its end. */
export interface ServedConsole {
  handle: HttpHandler;
  close(): Promise<void>;
}
