/**
 * Reports, once, each run a killed daemon (or a killed `nomaflow run`) left without a final event:
 * a log line, the `abandoned` count in /metrics, and the alert hook. The store then remembers the
 * run as reported, so neither this daemon nor the next reports it again. Its scheduled time stays
 * recorded in its run log, so it is not fired again either.
 */
import type { DaemonJob } from "./daemonJob.js";
import type { DaemonLog } from "./daemonLog.js";
import type { AbandonedRun, FireStore } from "./fireStore.js";
import type { DaemonMetrics } from "./metrics.js";

/** One alert delivery: the channel, and the error when it failed (null when sent). */
export interface AlertDelivery {
  channel: string;
  error: string | null;
}

/**
 * Sends the alert about an abandoned run. `daemonJob` is undefined when the job is no longer in
 * the project. Resolves with what was delivered, one entry per channel.
 */
export type OnAbandoned = (run: AbandonedRun, daemonJob: DaemonJob | undefined) => Promise<AlertDelivery[]>;

export interface ReportAbandonedOptions {
  store: FireStore;
  log: DaemonLog;
  metrics?: Pick<DaemonMetrics, "runFinished">;
  jobs: ReadonlyMap<string, DaemonJob>;
  onAbandoned?: OnAbandoned;
  /** Starts the one rerun of a run whose job says `on_abandoned: rerun` (the scheduler's startRecovery). */
  rerun?: (daemonJob: DaemonJob, run: AbandonedRun) => Promise<unknown>;
  now: () => number;
}

export async function reportAbandoned(runs: readonly AbandonedRun[], options: ReportAbandonedOptions): Promise<void> {
  const { store, log } = options;
  await Promise.all(
    runs.map(async (run) => {
      const { summary } = run;
      log.warn("abandoned", run.jobId, {
        run: run.runId,
        trigger: summary.trigger,
        scheduled_for: summary.scheduled_for,
        started_at: summary.started_at,
        step: summary.failed_step,
        host: summary.host,
        pid: summary.pid,
      });
      // Its length is unknown: the process died at some point after its last event.
      options.metrics?.runFinished(run.jobId, "abandoned", 0, options.now());
      if (options.onAbandoned) {
        try {
          for (const delivery of await options.onAbandoned(run, options.jobs.get(run.jobId))) {
            const fields = { run: run.runId, channel: delivery.channel, kind: "abandoned", error: delivery.error };
            if (delivery.error === null) log.info("alert_sent", run.jobId, fields);
            else log.error("alert_failed", run.jobId, fields);
          }
        } catch (error) {
          log.error("alert_failed", run.jobId, { run: run.runId, kind: "abandoned", error: (error as Error).message });
        }
      }
      try {
        await store.markAbandonedReported(run.runId);
      } catch (error) {
        log.error("store_error", run.jobId, { run: run.runId, error: (error as Error).message });
      }
      const daemonJob = options.jobs.get(run.jobId);
      if (daemonJob?.job.onAbandoned === "rerun" && options.rerun) {
        try {
          await options.rerun(daemonJob, run);
        } catch (error) {
          log.error("recovery_failed", run.jobId, { abandoned: run.runId, error: (error as Error).message });
        }
      }
    }),
  );
}

/**
 * Looks for abandoned runs after each heartbeat of the store (the local store finds them at start;
 * the cluster store whenever a daemon's lease expires) and reports each once, in the background so
 * the scheduler's loop goes on. `settled` waits for the reports under way.
 */
export function watchAbandoned(options: Omit<ReportAbandonedOptions, "jobs"> & { jobs: () => ReadonlyMap<string, DaemonJob> }) {
  const reporting = new Set<string>();
  const under = new Set<Promise<void>>();
  return {
    check: async (): Promise<void> => {
      let runs: AbandonedRun[];
      try {
        runs = (await options.store.abandonedRuns()).filter((run) => !reporting.has(run.runId));
      } catch (error) {
        options.log.error("store_error", null, { error: (error as Error).message, doing: "looking for abandoned runs" });
        return;
      }
      if (runs.length === 0) return;
      for (const run of runs) reporting.add(run.runId);
      const report = reportAbandoned(runs, { ...options, jobs: options.jobs() }).finally(() => under.delete(report));
      under.add(report);
    },
    settled: async (): Promise<void> => {
      await Promise.all([...under]);
    },
  };
}
