/**
 * What `nomaflow daemon --http` lends the web console it serves beside /healthz and /metrics. The
 * CLI builds the console from these (daemon/ never imports console/), so Run now goes through the
 * daemon's own launcher.
 */
import { hostname } from "node:os";
import { UsageError } from "../errors/nomaflowError.js";
import { VERSION } from "../identity/version.js";
import type { DaemonSelf } from "../state/clusterDaemons.js";
import type { Project } from "../project/loadProject.js";
import type { CheckedProject } from "../validate/checkProject.js";
import type { DaemonJob } from "./daemonJob.js";
import type { DaemonLog } from "./daemonLog.js";
import type { HttpHandler } from "./httpServer.js";
import type { Scheduler } from "./scheduler.js";

/** What the daemon lends the console it serves. */
export interface DaemonConsoleHooks {
  /**
   * Run now: the job as this daemon has it, with `params` already checked, through the daemon's
   * launcher (its stop, its history writer, its limits and the job's `forbid` apply).
   * @throws UsageError when the daemon cannot start it now, or has no valid job of that id
   */
  startRun(jobId: string, params: Record<string, unknown>): Promise<{ runId: string }>;
  /**
   * The project as the daemon last loaded it (at start, then at each reload that took), checked:
   * the console shows the jobs the daemon runs, and never checks a thousand files in its loop.
   */
  project(): { project: Project; checked: CheckedProject };
  /** This daemon, for the console's cluster page when there is no state store. */
  self(): DaemonSelf;
  /** A bug behind a console page (answered 500): into the daemon's log. */
  reportError(error: unknown): void;
}

/** A console being served: its answer to every path but /healthz and /metrics, and its end. */
export interface ServedConsole {
  handle: HttpHandler;
  close(): Promise<void>;
}

/**
 * The daemon's side of the hooks, bound as the daemon starts: the HTTP server (and so the console)
 * comes before the scheduler, so Run now says "still starting" until `attach`.
 */
export class DaemonConsoleBridge {
  #scheduler: Scheduler | undefined;
  #jobs: ReadonlyMap<string, DaemonJob> = new Map();
  #checked: { project: Project; checked: CheckedProject } | undefined;

  constructor(private readonly options: { startedAt: number; maxRuns: number | null; log: DaemonLog }) {}

  /** The project and jobs the daemon runs now (at start, then after each reload that took). */
  noteProject(checked: { project: Project; checked: CheckedProject }, jobs: ReadonlyMap<string, DaemonJob>): void {
    this.#checked = checked;
    this.#jobs = jobs;
  }

  attach(scheduler: Scheduler): void {
    this.#scheduler = scheduler;
  }

  hooks(): DaemonConsoleHooks {
    return {
      startRun: async (jobId, params) => {
        const scheduler = this.#scheduler;
        if (!scheduler) throw new UsageError("the daemon is still starting", { hint: "try again in a moment" });
        const daemonJob = this.#jobs.get(jobId);
        if (!daemonJob) {
          throw new UsageError(`this daemon has no valid job ${jobId}`, {
            hint: "a job file added or fixed since the daemon started is read when it reloads (systemctl reload, or kill -HUP)",
          });
        }
        return { runId: await scheduler.startManual(daemonJob, params) };
      },
      self: () => ({
        host: hostname(),
        pid: process.pid,
        version: VERSION,
        startedAt: this.options.startedAt,
        runsGoing: this.#scheduler?.runningCount ?? 0,
        maxRuns: this.options.maxRuns,
      }),
      project: () => this.#checked!,
      reportError: (error) => this.options.log.error("console_error", null, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    };
  }
}
