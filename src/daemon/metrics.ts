/**
 * The daemon's Prometheus metrics: plain numbers per job, updated as runs end and fires are
 * planned, and written out in the text exposition format (0.0.4) only when /metrics is scraped, so
 * a daemon with 1,000 jobs pays for the text once per scrape and for nothing in between.
 */
import { VERSION } from "../identity/version.js";

export type FinishedRunStatus = "succeeded" | "failed" | "interrupted" | "abandoned";

const RUN_STATUSES: readonly FinishedRunStatus[] = ["succeeded", "failed", "interrupted", "abandoned"];

/**
 * Upper bounds of the run duration histogram's buckets, in seconds: 1 s to 6 h, roughly tripling,
 * so a 2-second probe and a 4-hour warehouse load each land in a bucket that tells them apart.
 */
export const RUN_DURATION_BUCKETS_SECONDS: readonly number[] = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 10800, 21600];

/**
 * Upper bounds of the buckets of the time a fire waited for a free slot (`max_concurrent_runs`), in
 * seconds: a fire that did not wait lands in the first, a backlog of hours in the last ones.
 */
export const QUEUE_WAIT_BUCKETS_SECONDS: readonly number[] = [0.5, 1, 5, 15, 60, 300, 900, 3600, 10800];

interface JobSeries {
  runs: Record<FinishedRunStatus, number>;
  /** Runs per bucket (not cumulative); the last entry counts runs longer than the largest bound. */
  durationBuckets: number[];
  durationSumSeconds: number;
  durationCount: number;
  firesSkipped: number;
  firesMissed: number;
  recovered: number;
  lastSuccessMs: number | undefined;
  nextFireMs: number | undefined;
  /** Set by forgetJob: the job is gone from the project, so its gauges are not shown. */
  forgotten: boolean;
}

/** What a daemon sees of its cluster (the state store), read when /metrics is scraped. */
export interface ClusterView {
  storeUp: boolean;
  daemonsAlive: number;
  /** Other daemons whose expired lease this daemon found (each declared dead once, by one daemon). */
  leasesExpired: number;
  /** Times this daemon lost its own lease (cut off from the store) and interrupted its runs. */
  leaseLost: number;
  /** Whether the daemons alive run different job definitions. */
  definitionMismatch: boolean;
  /** Statements this daemon sent to the store for scheduling (claims, locks, leases, upkeep). */
  statements: number;
}

export class DaemonMetrics {
  private readonly jobs = new Map<string, JobSeries>();
  private readonly startedAtMs: number;
  private firesClaimedCount = 0;
  private runsRunning = 0;
  private runsQueued = 0;
  /** Fires per bucket of QUEUE_WAIT_BUCKETS_SECONDS (not cumulative); the last entry counts longer waits. */
  private readonly queueWaitBuckets = new Array<number>(QUEUE_WAIT_BUCKETS_SECONDS.length + 1).fill(0);
  private queueWaitSumSeconds = 0;
  private queueWaitCount = 0;
  private cluster: (() => ClusterView) | undefined;

  /**
   * @param now The clock, in milliseconds since the epoch; uptime counts from construction.
   * @default Date.now
   */
  constructor(private readonly now: () => number = Date.now) {
    this.startedAtMs = now();
  }

  runFinished(jobId: string, status: FinishedRunStatus, durationMs: number, endedAtMs: number): void {
    const job = this.series(jobId);
    job.runs[status]++;
    const seconds = Math.max(0, durationMs) / 1000;
    const bucket = RUN_DURATION_BUCKETS_SECONDS.findIndex((bound) => seconds <= bound);
    job.durationBuckets[bucket === -1 ? RUN_DURATION_BUCKETS_SECONDS.length : bucket]!++;
    job.durationSumSeconds += seconds;
    job.durationCount++;
    // A run of a removed job that ends after the reload counts, but must not bring back a gauge
    // that alerts would then watch for a job that no longer exists.
    if (status === "succeeded" && !job.forgotten) job.lastSuccessMs = Math.max(job.lastSuccessMs ?? endedAtMs, endedAtMs);
  }

  /** Runs going on this daemon, and fires waiting for a free slot. */
  setRunCounts(running: number, queued: number): void {
    this.runsRunning = running;
    this.runsQueued = queued;
  }

  /** A scheduled run started after waiting `waitedMs` for a free slot (0: it did not wait). */
  fireWaited(waitedMs: number): void {
    const seconds = Math.max(0, waitedMs) / 1000;
    const bucket = QUEUE_WAIT_BUCKETS_SECONDS.findIndex((bound) => seconds <= bound);
    this.queueWaitBuckets[bucket === -1 ? QUEUE_WAIT_BUCKETS_SECONDS.length : bucket]!++;
    this.queueWaitSumSeconds += seconds;
    this.queueWaitCount++;
  }

  /** Fires this daemon claimed in the store (each scheduled time is claimed by one daemon). */
  firesClaimed(count: number): void {
    this.firesClaimedCount += count;
  }

  /** A recovery run started for an abandoned run (`on_abandoned: rerun`). */
  runRecovered(jobId: string): void {
    this.series(jobId).recovered++;
  }

  /** With a state store: where the cluster gauges are read from. */
  watchCluster(view: () => ClusterView): void {
    this.cluster = view;
  }

  /** A fire not started because the job's previous run was still going (`concurrency: forbid`). */
  fireSkipped(jobId: string): void {
    this.series(jobId).firesSkipped++;
  }

  /** A fire missed during downtime and older than `misfire_grace_minutes`, so not caught up. */
  fireMissed(jobId: string): void {
    this.series(jobId).firesMissed++;
  }

  /** The job's next fire time; undefined when it has none (disabled, or a schedule that ends). */
  setNextFire(jobId: string, atMs: number | undefined): void {
    const job = this.series(jobId);
    job.nextFireMs = atMs;
    if (atMs !== undefined) job.forgotten = false;
  }

  /**
   * The job is gone (removed or disabled on reload). Its gauges go: a next fire that will not
   * happen, or a last success that "goes stale", would be false alarms. Its counters and durations
   * stay until the daemon restarts: they record runs that did happen (a failure just before the
   * reload may not have been scraped yet), and a job disabled and enabled again keeps counting
   * instead of looking like a counter reset. The cost is a few series per job id ever seen.
   */
  forgetJob(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    job.forgotten = true;
    job.nextFireMs = undefined;
    job.lastSuccessMs = undefined;
  }

  /** The metrics in the Prometheus text exposition format 0.0.4, ending with a newline. */
  render(): string {
    const lines: string[] = [];
    const jobIds = [...this.jobs.keys()].sort();
    const each = (emit: (label: string, job: JobSeries) => void) => {
      for (const id of jobIds) emit(`job="${escapeLabelValue(id)}"`, this.jobs.get(id)!);
    };

    family(lines, "nomaflow_build_info", "gauge", "Always 1; the version label says which Nomaflow runs.");
    lines.push(`nomaflow_build_info{version="${escapeLabelValue(VERSION)}"} 1`);
    family(lines, "nomaflow_daemon_uptime_seconds", "gauge", "Seconds since the daemon started.");
    lines.push(`nomaflow_daemon_uptime_seconds ${formatValue((this.now() - this.startedAtMs) / 1000)}`);
    family(lines, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    lines.push(`process_resident_memory_bytes ${process.memoryUsage.rss()}`);
    family(lines, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
    const cpu = process.cpuUsage();
    lines.push(`process_cpu_seconds_total ${formatValue((cpu.user + cpu.system) / 1e6)}`);
    family(lines, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
    lines.push(`process_start_time_seconds ${formatValue(Math.round(performance.timeOrigin) / 1000)}`);

    // Every known job shows every counter, zeros included: a series that first appears at 1 is
    // invisible to increase() and rate(), so the first failure would never alert.
    family(lines, "nomaflow_runs_total", "counter", "Finished runs by job and final status.");
    each((label, job) => {
      for (const status of RUN_STATUSES) lines.push(`nomaflow_runs_total{${label},status="${status}"} ${job.runs[status]}`);
    });

    family(lines, "nomaflow_run_duration_seconds", "histogram", "Duration of finished runs, any status.");
    each((label, job) => {
      if (job.durationCount === 0) return;
      let cumulative = 0;
      RUN_DURATION_BUCKETS_SECONDS.forEach((bound, index) => {
        cumulative += job.durationBuckets[index]!;
        lines.push(`nomaflow_run_duration_seconds_bucket{${label},le="${formatValue(bound)}"} ${cumulative}`);
      });
      lines.push(`nomaflow_run_duration_seconds_bucket{${label},le="+Inf"} ${job.durationCount}`);
      lines.push(`nomaflow_run_duration_seconds_sum{${label}} ${formatValue(job.durationSumSeconds)}`);
      lines.push(`nomaflow_run_duration_seconds_count{${label}} ${job.durationCount}`);
    });

    family(lines, "nomaflow_last_success_timestamp_seconds", "gauge", "When the job's latest successful run ended, in seconds since the epoch.");
    each((label, job) => {
      if (job.lastSuccessMs !== undefined) lines.push(`nomaflow_last_success_timestamp_seconds{${label}} ${formatValue(job.lastSuccessMs / 1000)}`);
    });

    family(lines, "nomaflow_next_fire_timestamp_seconds", "gauge", "When the job fires next, in seconds since the epoch.");
    each((label, job) => {
      if (job.nextFireMs !== undefined) lines.push(`nomaflow_next_fire_timestamp_seconds{${label}} ${formatValue(job.nextFireMs / 1000)}`);
    });

    family(lines, "nomaflow_fires_skipped_total", "counter", "Fires skipped because the job's previous run was still going (concurrency: forbid).");
    each((label, job) => lines.push(`nomaflow_fires_skipped_total{${label}} ${job.firesSkipped}`));

    family(lines, "nomaflow_fires_missed_total", "counter", "Fires missed during downtime beyond misfire_grace_minutes, so not caught up.");
    each((label, job) => lines.push(`nomaflow_fires_missed_total{${label}} ${job.firesMissed}`));

    family(lines, "nomaflow_runs_recovered_total", "counter", "Recovery runs this daemon started for abandoned runs (on_abandoned: rerun).");
    each((label, job) => lines.push(`nomaflow_runs_recovered_total{${label}} ${job.recovered}`));

    family(lines, "nomaflow_runs_running", "gauge", "Runs going on this daemon now.");
    lines.push(`nomaflow_runs_running ${this.runsRunning}`);
    family(lines, "nomaflow_runs_queued", "gauge", "Fires waiting for a free slot (max_concurrent_runs) to start their run.");
    lines.push(`nomaflow_runs_queued ${this.runsQueued}`);
    family(lines, "nomaflow_run_queue_seconds", "histogram", "How long each scheduled run waited for a free slot before it started (0 when it did not wait).");
    let waited = 0;
    QUEUE_WAIT_BUCKETS_SECONDS.forEach((bound, index) => {
      waited += this.queueWaitBuckets[index]!;
      lines.push(`nomaflow_run_queue_seconds_bucket{le="${formatValue(bound)}"} ${waited}`);
    });
    lines.push(`nomaflow_run_queue_seconds_bucket{le="+Inf"} ${this.queueWaitCount}`);
    lines.push(`nomaflow_run_queue_seconds_sum ${formatValue(this.queueWaitSumSeconds)}`);
    lines.push(`nomaflow_run_queue_seconds_count ${this.queueWaitCount}`);

    family(lines, "nomaflow_fires_claimed_total", "counter", "Scheduled times this daemon claimed (with a state store, each is claimed by one daemon).");
    lines.push(`nomaflow_fires_claimed_total ${this.firesClaimedCount}`);

    const cluster = this.cluster?.();
    if (cluster) {
      family(lines, "nomaflow_state_store_up", "gauge", "1 while the state store answers this daemon, 0 while it cannot be reached.");
      lines.push(`nomaflow_state_store_up ${cluster.storeUp ? 1 : 0}`);
      family(
        lines,
        "nomaflow_cluster_daemons_alive",
        "gauge",
        "Daemons of the project whose lease is current, this one included, as last read from the store.",
      );
      lines.push(`nomaflow_cluster_daemons_alive ${cluster.daemonsAlive}`);
      family(
        lines,
        "nomaflow_cluster_leases_expired_total",
        "counter",
        "Other daemons this one found dead (lease expired) and whose runs it marked abandoned.",
      );
      lines.push(`nomaflow_cluster_leases_expired_total ${cluster.leasesExpired}`);
      family(lines, "nomaflow_cluster_lease_lost_total", "counter", "Times this daemon lost its own lease (cut off from the store) and interrupted its runs.");
      lines.push(`nomaflow_cluster_lease_lost_total ${cluster.leaseLost}`);
      family(
        lines,
        "nomaflow_cluster_definition_mismatch",
        "gauge",
        "1 while the daemons alive run different job definitions (a fire runs the claiming host's version).",
      );
      lines.push(`nomaflow_cluster_definition_mismatch ${cluster.definitionMismatch ? 1 : 0}`);
      family(
        lines,
        "nomaflow_state_statements_total",
        "counter",
        "Statements this daemon sent to the state store to schedule (claims, locks, leases, upkeep; not run history).",
      );
      lines.push(`nomaflow_state_statements_total ${cluster.statements}`);
    }

    return `${lines.join("\n")}\n`;
  }

  private series(jobId: string): JobSeries {
    let job = this.jobs.get(jobId);
    if (!job) {
      job = {
        runs: { succeeded: 0, failed: 0, interrupted: 0, abandoned: 0 },
        durationBuckets: new Array<number>(RUN_DURATION_BUCKETS_SECONDS.length + 1).fill(0),
        durationSumSeconds: 0,
        durationCount: 0,
        firesSkipped: 0,
        firesMissed: 0,
        recovered: 0,
        lastSuccessMs: undefined,
        nextFireMs: undefined,
        forgotten: false,
      };
      this.jobs.set(jobId, job);
    }
    return job;
  }
}

function family(lines: string[], name: string, type: "counter" | "gauge" | "histogram", help: string): void {
  lines.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${type}`);
}

/** Label values escape backslash, double quote and line feed (exposition format 0.0.4). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Go's ParseFloat reads what String(number) writes, except for the infinities and NaN. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
