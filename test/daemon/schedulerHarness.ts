/**
 * An in-process daemon for the scheduling tests: a real project on disk, the real local fire
 * store on its runs folder, the scheduler on a FakeClock, and either the real runner (with the
 * test `probe` step type, so run logs are real) or a launcher that only records what fired.
 */
import type { DaemonJob, LaunchRequest, LaunchRun, RunOutcome } from "../../src/daemon/daemonJob.js";
import { DaemonLog } from "../../src/daemon/daemonLog.js";
import { resolveJobSet } from "../../src/daemon/jobSet.js";
import { createRunLauncher } from "../../src/daemon/launchRun.js";
import { LocalFireStore } from "../../src/daemon/localFireStore.js";
import { DaemonMetrics } from "../../src/daemon/metrics.js";
import { reportAbandoned } from "../../src/daemon/reportAbandoned.js";
import { Scheduler } from "../../src/daemon/scheduler.js";
import { loadProject } from "../../src/project/loadProject.js";
import { checkProject } from "../../src/validate/checkProject.js";
import { registryWithProbe } from "../runner/probeStepType.js";
import { makeProject } from "../support/tempProject.js";
import type { FakeClock } from "./fakeClock.js";

export interface JobSpec {
  cron: string;
  timezone?: string;
  concurrency?: "forbid" | "allow";
  graceMinutes?: number;
  /** The probe step's behaviour (real launcher). @default "succeed" */
  behaviour?: "succeed" | "hang";
  enabled?: boolean;
}

export function jobYaml(id: string, spec: JobSpec): string {
  const lines = [`id: ${id}`, `schedule: { cron: "${spec.cron}", timezone: ${spec.timezone ?? "UTC"} }`];
  if (spec.concurrency) lines.push(`concurrency: ${spec.concurrency}`);
  if (spec.graceMinutes !== undefined) lines.push(`misfire_grace_minutes: ${spec.graceMinutes}`);
  if (spec.enabled === false) lines.push("enabled: false");
  lines.push("steps:", `  - { name: work, type: probe, behaviour: ${spec.behaviour ?? "succeed"} }`);
  return `${lines.join("\n")}\n`;
}

export function writeProject(jobs: Record<string, JobSpec>): { root: string; remove: () => void } {
  const files: Record<string, string> = { "nomaflow.yaml": "runs_dir: runs\n" };
  for (const [id, spec] of Object.entries(jobs)) files[`jobs/${id}.yaml`] = jobYaml(id, spec);
  return makeProject(files);
}

export async function loadJobs(root: string): Promise<Map<string, DaemonJob>> {
  const project = loadProject({ projectDir: root, cwd: root, processEnv: {}, registry: registryWithProbe() });
  return resolveJobSet(new Map(), project, await checkProject(project)).jobs;
}

export interface LogRecord {
  ts: string;
  level: string;
  event: string;
  job?: string;
  [field: string]: unknown;
}

/** A fire the recording launcher received (a scheduled one: its time is known); `finish` ends its run. */
export interface RecordedFire extends LaunchRequest {
  scheduledFor: string;
  scheduledForMs: number;
  launchedAt: number;
  finish(status?: RunOutcome["status"]): void;
}

export interface DaemonOptions {
  /** "record": fires are only recorded; "real": startRun with the probe step writes real run logs. */
  launcher: "record" | "real";
  /** Recorded runs end as soon as they start. @default true */
  autoFinish?: boolean;
  /** @default 1000 */
  heartbeatMs?: number;
  /** The pid written in the daemon lock (a dead one lets a later daemon take the lock over). @default process.pid */
  pid?: number;
  /** `--max-runs`. */
  maxRuns?: number;
}

/** One daemon "process", in this process. */
export class TestDaemon {
  readonly log: LogRecord[] = [];
  readonly fires: RecordedFire[] = [];
  readonly metrics: DaemonMetrics;
  readonly scheduler: Scheduler;
  readonly store: LocalFireStore;
  readonly interrupt = new AbortController();
  readonly daemonLog: DaemonLog;
  #loop: Promise<void> = Promise.resolve();

  private constructor(
    readonly root: string,
    readonly clock: FakeClock,
    options: DaemonOptions,
  ) {
    const log = new DaemonLog({
      format: "json",
      out: (line) => this.log.push(JSON.parse(line)),
      err: (line) => this.log.push(JSON.parse(line)),
      now: () => clock.now(),
      syslogPrefix: false,
    });
    this.metrics = new DaemonMetrics(() => clock.now());
    this.store = new LocalFireStore({ runsDir: `${root}/runs`, pid: options.pid });
    const launch: LaunchRun =
      options.launcher === "real"
        ? createRunLauncher({ log, interrupt: this.interrupt.signal, now: () => clock.now() }).launch
        : this.#recordingLauncher(options.autoFinish ?? true);
    this.scheduler = new Scheduler({
      clock,
      store: this.store,
      launch,
      log,
      metrics: this.metrics,
      heartbeatMs: options.heartbeatMs,
      maxRuns: options.maxRuns,
    });
    this.daemonLog = log;
  }

  static async start(root: string, clock: FakeClock, options: DaemonOptions): Promise<TestDaemon> {
    const daemon = new TestDaemon(root, clock, options);
    const jobs = await loadJobs(root);
    const opened = await daemon.store.open([...jobs.keys()], clock.now());
    await daemon.scheduler.start(jobs, opened.previous);
    await reportAbandoned(await daemon.store.abandonedRuns(), {
      store: daemon.store,
      log: daemon.daemonLog,
      metrics: daemon.metrics,
      jobs,
      now: () => clock.now(),
    });
    daemon.#loop = daemon.scheduler.run();
    await clock.settle();
    return daemon;
  }

  /** The log records of one event (and job). */
  events(event: string, job?: string): LogRecord[] {
    return this.log.filter((record) => record.event === event && (job === undefined || record.job === job));
  }

  /** A clean stop: no more fires, runs awaited, the store closed. */
  async stop(): Promise<void> {
    this.scheduler.stop();
    await this.#loop;
    for (const fire of this.fires) fire.finish();
    this.interrupt.abort();
    await this.scheduler.settled();
    await this.store.close(this.clock.now());
  }

  /** As SIGKILL leaves things: the loop ends, runs are cut off, nothing is closed or written. */
  async crash(): Promise<void> {
    this.scheduler.stop();
    await this.#loop;
  }

  #recordingLauncher(autoFinish: boolean): LaunchRun {
    return (request) => {
      let finish!: (outcome: RunOutcome) => void;
      const result = new Promise<RunOutcome>((resolve) => (finish = resolve));
      const launchedAt = this.clock.now();
      const fire: RecordedFire = {
        ...request,
        scheduledFor: request.scheduledFor ?? "",
        scheduledForMs: request.scheduledForMs ?? Number.NaN,
        launchedAt,
        finish: (status = "succeeded") => finish({ status, durationMs: this.clock.now() - launchedAt }),
      };
      this.fires.push(fire);
      if (autoFinish) fire.finish();
      return { runId: fire.runId, result };
    };
  }
}
