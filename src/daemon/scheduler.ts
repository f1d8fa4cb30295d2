/**
 * The daemon's core (DESIGN 6.3): decides what fires when, from the jobs, a clock and a fire
 * store; starting a run is the injected `launch`. All jobs' next fires sit in one queue and the
 * loop sleeps until the earliest, waking at least once a heartbeat to notice a stuck loop or a
 * jump of the wall clock.
 *
 * The rule for each fire that comes due: the latest due fire of a job runs, as `schedule` when
 * it is on time, as `catchup` when it is late (downtime, a clock jump, a stall) but within the
 * job's misfire grace; every other due fire is missed, logged and counted. The store claims each
 * scheduled time once, so none runs twice, across restarts too.
 */
import type { Job } from "../project/job.js";
import { formatFireTime } from "../schedule/nextFireTimes.js";
import type { Clock } from "./clock.js";
import type { DaemonJob, LaunchedRun, LaunchRequest, LaunchRun } from "./daemonJob.js";
import type { DaemonLog } from "./daemonLog.js";
import { FireCursor, type DueFires } from "./fireCursor.js";
import { FireQueue } from "./fireQueue.js";
import type { FireStore, JobLock, PreviousDaemon } from "./fireStore.js";
import type { IdleMoment } from "./idleGarbage.js";
import type { DaemonMetrics } from "./metrics.js";

/** The part of DaemonMetrics the scheduler feeds. */
export type SchedulerMetrics = Pick<DaemonMetrics, "runFinished" | "fireSkipped" | "fireMissed" | "setNextFire" | "forgetJob">;

export interface SchedulerOptions {
  clock: Clock;
  store: FireStore;
  launch: LaunchRun;
  log: DaemonLog;
  metrics?: SchedulerMetrics;
  /** The loop wakes at least this often. @default 1000 */
  heartbeatMs?: number;
  /** While the daemon runs, a fire at most this late is on time (trigger `schedule`). @default 5000 */
  onTimeMs?: number;
  /** Called each time the loop is about to sleep with no run going (the daemon collects garbage). */
  whenIdle?: (moment: IdleMoment) => unknown;
}

export interface SchedulerHealth {
  lastTickAgoMs: number;
  /** Jobs with a schedule the daemon follows. */
  jobs: number;
  nextFire: { job: string; at: string } | null;
}

export interface JobChanges {
  added: string[];
  changed: string[];
  unscheduled: string[];
  scheduled: number;
}

interface JobState {
  daemonJob: DaemonJob;
  scheduleKey: string;
  version: number;
  cursor: FireCursor;
  /** Due fires before this instant were missed while no daemon ran: never on time. */
  downtimeBefore: number;
}

const scheduleKey = (job: Job) => (job.enabled && job.schedule ? `${job.schedule.expression}\u0000${job.schedule.timezone}` : undefined);
/** A heartbeat this much later than due means the clock jumped or the process was stopped. */
const JUMP_MS = 5_000;

export class Scheduler {
  readonly #options: Required<Omit<SchedulerOptions, "metrics" | "whenIdle">> & Pick<SchedulerOptions, "metrics" | "whenIdle">;
  readonly #states = new Map<string, JobState>();
  readonly #queue = new FireQueue();
  readonly #active = new Map<string, { jobId: string; run: LaunchedRun; settled: Promise<void> }>();
  #version = 0;
  #runsStarted = 0;
  #lastTickMs: number;
  #stopped = false;
  #wake = new AbortController();

  constructor(options: SchedulerOptions) {
    this.#options = { ...options, heartbeatMs: options.heartbeatMs ?? 1000, onTimeMs: options.onTimeMs ?? 5000 };
    this.#lastTickMs = options.clock.now();
  }

  /**
   * Queues each job's first fire after its last decided one (from the store). A job with none
   * starts after the previous daemon's last sign of life, looking back no further than it could
   * catch up; with no previous daemon either, after now: nothing is caught up from the beginning.
   */
  async start(jobs: ReadonlyMap<string, DaemonJob>, previous: PreviousDaemon | undefined): Promise<void> {
    const now = this.#options.clock.now();
    for (const daemonJob of jobs.values()) {
      const key = scheduleKey(daemonJob.job);
      if (key === undefined) continue;
      const last = await this.#options.store.lastScheduledFire(daemonJob.job.id);
      const window = now - Math.max(this.#graceMs(daemonJob.job), this.#options.onTimeMs) - 1;
      const from = last ?? (previous ? Math.min(now, Math.max(previous.lastAliveMs, window)) : now);
      this.#schedule(daemonJob, key, from, now);
    }
    this.#lastTickMs = now;
  }

  /** Fires until `stop()`. */
  async run(): Promise<void> {
    const { clock, store, heartbeatMs, log } = this.#options;
    while (!this.#stopped) {
      const now = clock.now();
      const gap = now - this.#lastTickMs;
      if (gap > heartbeatMs + JUMP_MS) log.warn("clock_jump", null, { direction: "forward", by_ms: gap - heartbeatMs });
      else if (gap < -1000) log.warn("clock_jump", null, { direction: "backward", by_ms: -gap });
      this.#lastTickMs = now;
      await this.#fireDue(now);
      try {
        await store.heartbeat(clock.now());
      } catch (error) {
        log.error("store_error", null, { error: (error as Error).message });
      }
      if (this.#stopped) break;
      if (this.#active.size === 0 && this.#options.whenIdle) {
        const next = this.#peek();
        const nowMs = clock.now();
        await this.#options.whenIdle({ nowMs, untilNextFireMs: next && next.at - nowMs, runsStarted: this.#runsStarted });
      }
      const next = this.#peek();
      const wait = Math.min(heartbeatMs, next === undefined ? heartbeatMs : next.at - clock.now());
      if (wait > 0) await clock.sleep(wait, this.#wake.signal);
      if (this.#wake.signal.aborted) this.#wake = new AbortController();
    }
  }

  /** Stops firing; runs already going carry on (see `settled`). */
  stop(): void {
    this.#stopped = true;
    this.#wake.abort();
  }

  /**
   * Follows a new set of jobs (a reload): an unchanged schedule keeps its place, a new or changed
   * one fires from now on, a removed, disabled or unscheduled job stops firing. Runs going are
   * not touched.
   */
  replaceJobs(jobs: ReadonlyMap<string, DaemonJob>): JobChanges {
    const now = this.#options.clock.now();
    const changes: JobChanges = { added: [], changed: [], unscheduled: [], scheduled: 0 };
    for (const id of [...this.#states.keys()]) {
      const next = jobs.get(id);
      if (next && scheduleKey(next.job) !== undefined) continue;
      this.#states.delete(id);
      changes.unscheduled.push(id);
      if (next) this.#options.metrics?.setNextFire(id, undefined);
      else this.#options.metrics?.forgetJob(id);
    }
    for (const daemonJob of jobs.values()) {
      const key = scheduleKey(daemonJob.job);
      if (key === undefined) continue;
      const state = this.#states.get(daemonJob.job.id);
      if (state?.scheduleKey === key) {
        state.daemonJob = daemonJob;
        continue;
      }
      (state ? changes.changed : changes.added).push(daemonJob.job.id);
      this.#schedule(daemonJob, key, now, now);
    }
    changes.scheduled = this.#states.size;
    this.#wake.abort();
    return changes;
  }

  /** Runs started by this scheduler that have not ended. */
  get runningCount(): number {
    return this.#active.size;
  }

  /** Resolves when every run going now has ended (and its end is recorded). */
  async settled(): Promise<void> {
    await Promise.all([...this.#active.values()].map((entry) => entry.settled));
  }

  health(): SchedulerHealth {
    const next = this.#peek();
    const state = next && this.#states.get(next.jobId);
    const zone = state?.daemonJob.job.schedule?.timezone ?? "UTC";
    return {
      lastTickAgoMs: Math.max(0, this.#options.clock.now() - this.#lastTickMs),
      jobs: this.#states.size,
      nextFire: next ? { job: next.jobId, at: formatFireTime(next.at, zone) } : null,
    };
  }

  #schedule(daemonJob: DaemonJob, key: string, fromMs: number, downtimeBefore: number): void {
    const schedule = daemonJob.job.schedule!;
    const state: JobState = { daemonJob, scheduleKey: key, version: ++this.#version, cursor: new FireCursor(schedule, fromMs), downtimeBefore };
    this.#states.set(daemonJob.job.id, state);
    this.#queueNext(state);
  }

  #queueNext(state: JobState): void {
    const at = state.cursor.next;
    if (at !== undefined) this.#queue.push({ at, jobId: state.daemonJob.job.id, version: state.version });
    this.#options.metrics?.setNextFire(state.daemonJob.job.id, at);
  }

  /** The earliest queued fire that is still current (stale entries are dropped on the way). */
  #peek() {
    for (let top = this.#queue.peek(); top; top = this.#queue.peek()) {
      if (this.#states.get(top.jobId)?.version === top.version) return top;
      this.#queue.pop();
    }
    return undefined;
  }

  async #fireDue(now: number): Promise<void> {
    const due: Array<{ state: JobState; fires: DueFires }> = [];
    for (let top = this.#peek(); top && top.at <= now; top = this.#peek()) {
      this.#queue.pop();
      const state = this.#states.get(top.jobId)!;
      const windowStart = now - Math.max(this.#graceMs(state.daemonJob.job), this.#options.onTimeMs) - 1;
      const fires = state.cursor.takeDue(now, windowStart);
      this.#queueNext(state);
      if (fires) due.push({ state, fires });
    }
    if (due.length > 0) await Promise.all(due.map(({ state, fires }) => this.#decide(state, fires, now)));
  }

  #graceMs(job: Job): number {
    return job.misfireGraceMinutes * 60_000;
  }

  async #decide(state: JobState, fires: DueFires, now: number): Promise<void> {
    const { store, log, metrics, onTimeMs } = this.#options;
    const { job } = state.daemonJob;
    const zone = job.schedule!.timezone;
    const scheduledFor = formatFireTime(fires.latest, zone);
    const lateness = now - fires.latest;
    const onTime = fires.latest >= state.downtimeBefore && lateness <= onTimeMs;
    const trigger = onTime ? "schedule" : lateness <= this.#graceMs(job) ? "catchup" : undefined;
    try {
      if (!(await store.claimFire(job.id, fires.latest))) {
        log.info("already_fired", job.id, { scheduled_for: scheduledFor });
        return;
      }
      const missed = fires.earlier + (trigger ? 0 : 1);
      if (missed > 0) {
        const first = fires.firstEarlier ?? fires.latest;
        const last = trigger ? undefined : fires.latest;
        log.warn("missed", job.id, {
          count: fires.countCapped ? `${missed}+` : missed,
          first: formatFireTime(first, zone),
          last: last === undefined ? undefined : formatFireTime(last, zone),
          grace_minutes: job.misfireGraceMinutes,
        });
        for (let count = 0; count < missed; count++) metrics?.fireMissed(job.id);
      }
      if (!trigger || this.#stopped || this.#states.get(job.id) !== state) return;
      let lock;
      if (job.concurrency === "forbid") {
        const locked = await store.tryLockJob(job.id);
        if (!locked.acquired) {
          log.warn("skipped", job.id, { scheduled_for: scheduledFor, reason: "still_running", running: locked.heldBy });
          metrics?.fireSkipped(job.id);
          return;
        }
        lock = locked.lock;
      }
      this.#start(state.daemonJob, { trigger, scheduledFor, scheduledForMs: fires.latest, lateness }, lock);
    } catch (error) {
      log.error("fire_failed", job.id, { scheduled_for: scheduledFor, error: (error as Error).message });
    }
  }

  #start(
    daemonJob: DaemonJob,
    fire: { trigger: LaunchRequest["trigger"]; scheduledFor: string; scheduledForMs: number; lateness: number },
    lock: JobLock | undefined,
  ): void {
    const { store, log, metrics, clock, launch } = this.#options;
    const jobId = daemonJob.job.id;
    let run: LaunchedRun;
    try {
      run = launch({ daemonJob, trigger: fire.trigger, scheduledFor: fire.scheduledFor, scheduledForMs: fire.scheduledForMs });
    } catch (error) {
      void lock?.release();
      log.error("fire_failed", jobId, { scheduled_for: fire.scheduledFor, error: (error as Error).message });
      return;
    }
    this.#runsStarted++;
    lock?.setRunId(run.runId);
    log.info(fire.trigger === "schedule" ? "fired" : "caught_up", jobId, {
      scheduled_for: fire.scheduledFor,
      run: run.runId,
      late_ms: fire.trigger === "catchup" ? fire.lateness : undefined,
    });
    const settled = (async () => {
      await store.runStarted(jobId, run.runId);
      try {
        const outcome = await run.result;
        const fields = { run: run.runId, status: outcome.status, duration_ms: outcome.durationMs };
        if (outcome.status === "succeeded") log.info("run_finished", jobId, fields);
        else log.warn("run_finished", jobId, fields);
        metrics?.runFinished(jobId, outcome.status, outcome.durationMs, clock.now());
      } catch (error) {
        log.error("run_error", jobId, { run: run.runId, error: (error as Error).message });
      } finally {
        this.#active.delete(run.runId);
        await lock?.release();
        await store.runFinished(jobId, run.runId);
      }
    })();
    this.#active.set(run.runId, { jobId, run, settled });
  }
}
