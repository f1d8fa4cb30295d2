/**
 * `nomaflow daemon` as a process: loads the project, takes the fire store, reports the runs a
 * killed daemon abandoned, serves /healthz and /metrics, and runs the scheduler until SIGTERM.
 *
 * - SIGHUP reloads the project (see jobSet.ts); runs going are not touched.
 * - SIGTERM or SIGINT stops firing and gives the runs going `graceSeconds` to finish; then
 *   interrupts them (each writes run_interrupted) and resolves with 0. A second one ends the
 *   runs at once (queries cancelled, process groups killed with SIGKILL) and resolves with 130.
 */
import { setMaxListeners } from "node:events";
import { ConfigError, formatPosition, NomaflowError, RunInterruption } from "../errors/nomaflowError.js";
import { loadProject, type Project } from "../project/loadProject.js";
import { retentionOfLogs } from "../run-logs/pruneRunLogs.js";
import { checkProject } from "../validate/checkProject.js";
import { VERSION } from "../identity/version.js";
import { systemClock, type Clock } from "./clock.js";
import type { DaemonJob } from "./daemonJob.js";
import { batchLines, DaemonLog, type DaemonLogFormat } from "./daemonLog.js";
import { DaemonSignals } from "./daemonSignals.js";
import type { FireStore, OpenedFireStore } from "./fireStore.js";
import { DaemonConsoleBridge, type DaemonConsoleHooks, type ServedConsole } from "./daemonConsoleHooks.js";
import { startHttpServer, type DaemonHealth } from "./httpServer.js";
import { IdleGarbage } from "./idleGarbage.js";
import { reloadedJobs, resolveJobSet, type JobSet } from "./jobSet.js";
import { createRunLauncher, type RunLauncher } from "./launchRun.js";
import { openClusterStore, type OpenedClusterStore } from "./cluster/openClusterStore.js";
import { definitionsHash, projectRevision } from "./cluster/projectRevision.js";
import { LocalFireStore } from "./localFireStore.js";
import { ChainFirer } from "./chains/chainFirer.js";
import type { ChainStore } from "./chains/chainStore.js";
import { LocalChainStore } from "./chains/localChainStore.js";
import { DaemonMetrics } from "./metrics.js";
import { watchAbandoned, type OnAbandoned } from "./reportAbandoned.js";
import { RetentionSweep } from "./retentionSweep.js";
import { Scheduler } from "./scheduler.js";
import { sdNotify, flushSdNotify, watchdogIntervalMs } from "./sdNotify.js";
import { DEFAULT_STOP_GRACE_SECONDS } from "./stopGrace.js";

export interface RunDaemonOptions {
  /** `-C DIR`. */
  projectDir?: string;
  /** @default process.cwd() */
  cwd?: string;
  /** Seconds the runs going get to finish after SIGTERM. @default DEFAULT_STOP_GRACE_SECONDS (30) */
  graceSeconds?: number;
  /** @default "text" */
  logFormat?: DaemonLogFormat;
  /** Serve /healthz and /metrics here. */
  http?: { host: string; port: number };
  /** @default process.stdout / process.stderr */
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** @default the real clock */
  clock?: Clock;
  /** @default the local store on runs_dir */
  store?: (project: Project) => FireStore;
  /** Alerts about a run a killed daemon abandoned. @default alertAbandonedRun: the notification channels */
  onAbandoned?: OnAbandoned;
  /**
   * At most this many runs going at once (`--max-runs`), over `daemon.max_concurrent_runs`: further
   * fires wait in fire order; with a state store, unclaimed, so a daemon with a free slot takes them.
   */
  maxRuns?: number;
  /**
   * Serves the web console on `http` beside /healthz and /metrics: made from what the daemon lends
   * it (the CLI builds it; the daemon does not know the console).
   */
  console?: (daemon: DaemonConsoleHooks) => Promise<ServedConsole>;
}

/**
 * The alert about an abandoned run: to the job's recipients (else notifications.default) when
 * the job alerts on failure, which an abandoned run is taken for. A job gone from the project
 * alerts the default channels.
 */
export const alertAbandonedRun =
  (fallback: Project): OnAbandoned =>
  async (run, daemonJob) => {
    if (daemonJob && !daemonJob.job.alerts.onFailure) return [];
    const { abandonedRunRequest, sendRunAlert } = await import("../notifications/index.js");
    return sendRunAlert(daemonJob?.project ?? fallback, abandonedRunRequest(run.summary, run.lastEventAt), { job: daemonJob?.job });
  };

/** How long a stopping daemon waits for the store to take its runs' last events. */
const HISTORY_CLOSE_MS = 5_000;

/** The loop is stuck (/healthz answers 503, no watchdog ping) when it has not ticked for this long. */
const STUCK_AFTER_MS = 10_000;

function logJobSet(log: DaemonLog, set: JobSet): void {
  for (const error of set.configErrors) {
    log.error("reload_failed", null, { file: formatPosition(error), error: error.message, kept: "previous project" });
  }
  for (const invalid of set.invalid) {
    log.error("job_invalid", invalid.id, {
      file: formatPosition(invalid.error),
      error: invalid.error.message,
      errors: invalid.errorCount,
      kept: invalid.kept ? "previous version" : "not scheduled",
    });
  }
}

/** Runs the daemon until it is stopped; resolves with the exit code. */
export async function runDaemon(options: RunDaemonOptions = {}): Promise<number> {
  const signals = new DaemonSignals();
  try {
    return await serve(options, signals);
  } finally {
    signals.dispose();
  }
}

async function serve(options: RunDaemonOptions, signals: DaemonSignals): Promise<number> {
  const clock = options.clock ?? systemClock;
  const log = new DaemonLog({
    format: options.logFormat ?? "text",
    out: options.out ?? batchLines((text) => void process.stdout.write(text)),
    err: options.err ?? batchLines((text) => void process.stderr.write(text)),
    now: () => clock.now(),
  });
  const graceSeconds = options.graceSeconds ?? DEFAULT_STOP_GRACE_SECONDS;
  const load = () => loadProject({ projectDir: options.projectDir, cwd: options.cwd ?? process.cwd() });
  const project = load();
  // The project as the daemon last loaded it, checked: the console it serves shows the jobs it runs.
  const checkedProject = { project, checked: await checkProject(project) };
  const initial = resolveJobSet(new Map(), project, checkedProject.checked);
  if (initial.configErrors.length > 0) {
    const first = initial.configErrors[0]!;
    throw new ConfigError(`${formatPosition(first)}: ${first.message}`, { hint: "fix nomaflow.yaml first; nomaflow validate lists every problem" });
  }
  logJobSet(log, initial);
  let jobs: Map<string, DaemonJob> = initial.jobs;
  let current: JobSet = initial;
  let currentProject = project;
  // The flag over nomaflow.yaml, read once: the fire store records it, and a reload keeps it.
  const maxRuns = options.maxRuns ?? project.config.daemon.maxConcurrentRuns;

  // Every check before the first side effect (the store's state file, alerts about abandoned
  // runs): a port in use ends the daemon here, having done nothing.
  const metrics = new DaemonMetrics(() => clock.now());
  const startedMs = clock.now();
  let health = (): DaemonHealth => ({ stuck: true, jobs: 0, nextFire: null, lastTickAgoMs: 0, uptimeSeconds: Math.floor((clock.now() - startedMs) / 1000) });
  const bridge = new DaemonConsoleBridge({ startedAt: startedMs, maxRuns: options.maxRuns ?? null, log });
  bridge.noteProject(checkedProject, jobs);
  const served = options.http && options.console ? await options.console(bridge.hooks()) : undefined;
  let http;
  try {
    http = options.http
      ? await startHttpServer({ ...options.http, health: () => health(), metrics: () => metrics.render(), otherPaths: served?.handle })
      : undefined;
  } catch (error) {
    await served?.close();
    throw error;
  }
  const interrupt = new AbortController();
  // Every run going listens to it: a thousand at once is normal here, not a leak.
  setMaxListeners(0, interrupt.signal);
  let cluster: OpenedClusterStore | undefined;
  const launcher = createRunLauncher({ log, interrupt: interrupt.signal, now: () => clock.now(), onRunEvent: (event) => cluster?.history.record(event) });
  let store: FireStore;
  let opened: OpenedFireStore;
  try {
    if (options.store) store = options.store(project);
    else if (project.config.state) {
      cluster = await openClusterStore(project, { clock, log, maxRuns, onLeaseLost: () => interruptForLeaseLost(launcher, project) });
      metrics.watchCluster(() => cluster!.store.view());
      store = cluster.store;
    } else store = new LocalFireStore({ runsDir: project.config.runsDir });
    try {
      opened = await store.open([...jobs.keys()], clock.now());
    } catch (error) {
      throw cluster && !(error instanceof NomaflowError) ? cluster.pool.failure(error) : error;
    }
  } catch (error) {
    await cluster?.pool.close();
    await http?.close();
    await served?.close();
    throw error;
  }
  // The chained jobs: with state:, the cluster store; else the run logs, with the local store's job locks.
  const chainStore: ChainStore = cluster
    ? cluster.store
    : new LocalChainStore({ runsDir: project.config.runsDir, tryLockJobs: (requests) => store.tryLockJobs(requests) });
  const garbage = new IdleGarbage();
  const abandoned = watchAbandoned({
    store,
    log,
    metrics,
    jobs: () => jobs,
    onAbandoned: options.onAbandoned ?? alertAbandonedRun(project),
    // Called after the scheduler below exists: only from its loop.
    rerun: (daemonJob, run) => scheduler.startRecovery(daemonJob, run),
    now: () => clock.now(),
  });
  const retention = new RetentionSweep({
    runsDir: project.config.runsDir,
    retentionOf: () => retentionOfLogs(currentProject, (jobId) => jobs.get(jobId)?.job),
    log,
    now: () => clock.now(),
  });
  const scheduler: Scheduler = new Scheduler({
    clock,
    store,
    launch: launcher.launch,
    log,
    metrics,
    maxRuns,
    whenIdle: (moment) => garbage.whenIdle(moment),
    afterHeartbeat: async () => {
      await abandoned.check();
      retention.startIfDue();
      await chains.tick();
    },
    onRunEnded: (run) => chains.runEnded(run),
  });
  bridge.attach(scheduler);
  const chains = new ChainFirer({ store: chainStore, log, clock, runs: scheduler });
  let watchdog: NodeJS.Timeout | undefined;
  try {
    await scheduler.start(jobs, opened.previous);
    chains.start(jobs);
    await abandoned.check();
    health = () => {
      const state = scheduler.health();
      const storeUp = cluster ? cluster.store.claiming : undefined;
      return {
        ...state,
        stuck: state.lastTickAgoMs > STUCK_AFTER_MS,
        uptimeSeconds: Math.floor((clock.now() - startedMs) / 1000),
        store: cluster ? { up: storeUp!, name: cluster.pool.describe() } : undefined,
      };
    };

    const reload = async () => {
      sdNotify("RELOADING=1");
      try {
        const next = load();
        const checked = await checkProject(next);
        const set = resolveJobSet(jobs, next, checked);
        garbage.noteGarbage();
        logJobSet(log, set);
        if (set.configErrors.length === 0) {
          const changes = scheduler.replaceJobs(set.jobs);
          chains.setJobs(set.jobs);
          if (cluster) {
            const definitions = definitionsHash(next);
            cluster.store.noteDefinitions(definitions, projectRevision(next, definitions));
          }
          const { removed, recovered } = reloadedJobs(current, set);
          const newLimit = next.config.daemon.maxConcurrentRuns;
          if (options.maxRuns === undefined && newLimit !== maxRuns) {
            log.warn("reload_kept", null, {
              setting: "daemon.max_concurrent_runs",
              file: newLimit ?? "none",
              kept: maxRuns ?? "none",
              hint: "restart the daemon to apply it",
            });
          }
          jobs = set.jobs;
          current = set;
          currentProject = next;
          bridge.noteProject({ project: next, checked }, jobs);
          log.info("reloaded", null, {
            jobs: jobs.size,
            scheduled: changes.scheduled,
            added: changes.added.join(",") || undefined,
            changed: changes.changed.join(",") || undefined,
            unscheduled: changes.unscheduled.join(",") || undefined,
            removed: removed.join(",") || undefined,
            recovered: recovered.join(",") || undefined,
            invalid: set.invalid.length || undefined,
          });
        }
      } catch (error) {
        log.error("reload_failed", null, { error: (error as Error).message, kept: "previous project" });
      }
      sdNotify("READY=1");
    };
    // Stopped while starting: fire nothing (not even a catch-up), just stop.
    const loop = signals.stopping ? Promise.resolve() : scheduler.run();
    log.info("daemon_started", null, {
      project: project.root,
      jobs: jobs.size,
      scheduled: scheduler.health().jobs,
      chained: [...jobs.values()].filter(({ job }) => job.enabled && job.trigger).length || undefined,
      pid: process.pid,
      version: VERSION,
      http: http?.url,
      grace_s: graceSeconds,
      max_runs: maxRuns,
      // With a state store there is no one previous daemon: say who else is alive and where the store is.
      previous_stop: !cluster && opened.previous ? (opened.previous.stoppedCleanly ? "clean" : "unclean") : undefined,
      store: cluster?.pool.describe(),
      daemons_alive: cluster?.store.view().daemonsAlive,
      daemon_id: cluster?.store.daemonId,
    });
    signals.ready(reload, (signal) => {
      const running = scheduler.runningCount;
      const killed = launcher.forceStopAll();
      log.warn("forced_stop", null, { signal, running, process_groups_killed: killed });
    });
    sdNotify(`READY=1\nSTATUS=${jobs.size} jobs, ${scheduler.health().jobs} scheduled`);
    const watchdogMs = watchdogIntervalMs();
    if (watchdogMs !== undefined) {
      watchdog = setInterval(() => !health().stuck && sdNotify("WATCHDOG=1"), watchdogMs);
      watchdog.unref();
    }

    const signal = await signals.stopped;
    log.info("stopping", null, { signal, running: scheduler.runningCount, queued: scheduler.queuedCount || undefined, grace_s: graceSeconds });
    sdNotify("STOPPING=1");
    scheduler.stop();
    chains.stop();
    await loop;
    await chains.settled();
    await signals.reloading;
    if (scheduler.runningCount > 0) {
      const grace = new AbortController();
      const graceOver = clock.sleep(graceSeconds * 1000, grace.signal).then(() => true);
      const graceRanOut = await Promise.race([scheduler.settled().then(() => false), graceOver]);
      grace.abort();
      if (graceRanOut && scheduler.runningCount > 0) {
        log.warn("interrupting", null, { running: scheduler.runningCount, grace_s: graceSeconds });
        interrupt.abort(new Error(`the daemon is stopping and the ${graceSeconds} s grace period is over`));
      }
      await scheduler.settled();
    }
    await abandoned.settled();
    await retention.settled();
    await closeHistory(cluster, log);
    await store.close(clock.now());
    log.info("stopped", null, { signal, forced: signals.forced || undefined });
    return signals.forced ? 130 : 0;
  } finally {
    if (watchdog) clearInterval(watchdog);
    scheduler.stop();
    chains.stop();
    await chains.settled();
    await http?.close();
    await served?.close();
    await store.close(clock.now());
    await cluster?.pool.close();
    await flushSdNotify();
  }
}

/** The runs' last events into the store before the daemon goes (a few seconds at most; the run logs have them all). */
async function closeHistory(cluster: OpenedClusterStore | undefined, log: DaemonLog): Promise<void> {
  if (!cluster) return;
  const outcome = await cluster.history.close(HISTORY_CLOSE_MS);
  if (!outcome.complete) log.warn("history_not_written", null, { events: outcome.queuedEvents, error: outcome.lastError ?? undefined });
}

/**
 * The daemon lost its lease: another daemon may soon take its runs over, so they stop now, each
 * ending with run_interrupted, reason lease_lost.
 */
function interruptForLeaseLost(launcher: RunLauncher, project: Project): void {
  const lease = project.config.state?.leaseSeconds;
  launcher.interruptRuns(
    new RunInterruption(
      `the daemon lost its lease on the state store (no renewal for most of its ${lease} s lease): stopped so that no other daemon runs it at the same time`,
      "lease_lost",
    ),
  );
}
