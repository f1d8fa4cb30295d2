/**
 * The daemon's core (DESIGN 6.3): decides what fires when, from the jobs, a clock and a fire
 * store; starting a run is the injected `launch`. All jobs' next fires sit in one queue and the
 * loop sleeps until the earliest, waking at least once a heartbeat to notice a stuck loop or a
 * jump of the wall clock.
 *
 * The rule for each fire that comes due: the latest due fire of a job runs, as `schedule` when
 * it is on time, as `catchup` when it is late (downtime, a clock jump, a stall) but within the
 * job's misfire grace; every other due fire is missed, logged and counted. The store claims each
 * scheduled time once, so none runs twice, across restarts and across daemons too.
 *
 * Due fires wait in `#pending` until claimed: all of a tick's in one call to the store. A fire
 * that is another daemon's share (`claimsFirst` false) waits a short hand-off first; one that the
 * store cannot take now (unreachable, lease lost) stays pending and is tried again: fired late,
 * not lost. One that would start a run while this daemon is full (`maxRuns`) joins `#queued`,
 * unclaimed (with several daemons, one with a free slot takes it), keeping the trigger it had when
 * it came due: it starts, in fire order, when a run ends, and is neither caught up nor missed.
 */
import { UsageError } from "../errors/nomaflowError.js";
import type { Job } from "../project/job.js";
import { formatFireTime } from "../schedule/nextFireTimes.js";
import type { Clock } from "./clock.js";
import type { DaemonJob, LaunchedRun, LaunchRequest, LaunchRun } from "./daemonJob.js";
import type { DaemonLog } from "./daemonLog.js";
import { FireCursor, mergeDueFires, undecidedEarlier, type DueFires } from "./fireCursor.js";
import { FireQueue } from "./fireQueue.js";
import { followRun } from "./followRun.js";
import type { AbandonedRun, ClaimOutcome, FireClaim, FireStore, JobLock, PreviousDaemon } from "./fireStore.js";
import { newRunId } from "../identity/runId.js";
import type { IdleMoment } from "./idleGarbage.js";
import type { EndedRun } from "./chains/chainStore.js";
import type { DaemonMetrics } from "./metrics.js";
import { SlotQueue, type WaitingFire } from "./slotQueue.js";

/** The part of DaemonMetrics the scheduler feeds. */
export type SchedulerMetrics = Pick<
  DaemonMetrics,
  "runFinished" | "fireSkipped" | "fireMissed" | "setNextFire" | "forgetJob" | "firesClaimed" | "runRecovered" | "setRunCounts" | "fireWaited"
>;

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
  /** Called once a tick after the store's heartbeat (the daemon looks for abandoned runs). */
  afterHeartbeat?: () => Promise<void>;
  /** Told of each run of this scheduler once it has ended and its end is recorded (the chained jobs after it). */
  onRunEnded?: (run: EndedRun) => void;
  /**
   * At most this many runs going at once (`daemon.max_concurrent_runs`, `--max-runs`): a fire past
   * it waits, unclaimed, for a run to end (another daemon with a free slot may take it). @default no limit
   */
  maxRuns?: number;
  /**
   * How long a fire that is another daemon's share waits before this one claims it: the owner
   * claims within milliseconds when it is alive; a second try meanwhile costs only a refused row.
   * @default 100
   */
  handoffMs?: number;
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

/** Due fires of one job not yet claimed. */
interface PendingFires {
  state: JobState;
  fires: DueFires;
  /** Not claimed before this instant (another daemon's share). */
  notBefore: number;
}

/** A due fire waiting for a free slot, with the trigger it had when it came due. */
interface QueuedFire extends WaitingFire {
  pending: PendingFires;
  trigger: "schedule" | "catchup";
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
/** The daemon's log line for each way a run starts. */
const LAUNCH_EVENTS: Record<LaunchRequest["trigger"], string> = {
  schedule: "fired",
  catchup: "caught_up",
  recovery: "recovering",
  manual: "started_by_hand",
  chain: "chained",
};
/** A heartbeat this much later than due means the clock jumped or the process was stopped. */
const JUMP_MS = 5_000;

export class Scheduler {
  readonly #options: Required<Omit<SchedulerOptions, "metrics" | "whenIdle" | "afterHeartbeat" | "maxRuns" | "onRunEnded">> &
    Pick<SchedulerOptions, "metrics" | "whenIdle" | "afterHeartbeat" | "maxRuns" | "onRunEnded">;
  readonly #states = new Map<string, JobState>();
  readonly #pending = new Map<string, PendingFires>();
  readonly #queue = new FireQueue();
  readonly #queued = new SlotQueue<QueuedFire>();
  readonly #active = new Map<string, { jobId: string; run: LaunchedRun; settled: Promise<void> }>();
  #version = 0;
  #runsStarted = 0;
  #lastTickMs: number;
  #stopped = false;
  #wake = new AbortController();

  constructor(options: SchedulerOptions) {
    this.#options = { ...options, heartbeatMs: options.heartbeatMs ?? 1000, onTimeMs: options.onTimeMs ?? 5000, handoffMs: options.handoffMs ?? 100 };
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
      await this.#options.afterHeartbeat?.();
      if (this.#stopped) break;
      if (this.#active.size === 0 && this.#options.whenIdle) {
        const next = this.#peek();
        const nowMs = clock.now();
        await this.#options.whenIdle({ nowMs, untilNextFireMs: next && next.at - nowMs, runsStarted: this.#runsStarted });
      }
      const next = this.#peek();
      const wait = Math.min(heartbeatMs, next === undefined ? heartbeatMs : next.at - clock.now(), this.#pendingWaitMs(clock.now()));
      if (wait > 0) await clock.sleep(wait, this.#wake.signal);
      if (this.#wake.signal.aborted) this.#wake = new AbortController();
    }
  }

  /**
   * Stops firing; runs already going carry on (see `settled`). Fires waiting for a slot are let go,
   * unclaimed: the next daemon sees them as fires missed while it was down (caught up within the grace).
   */
  stop(): void {
    const waiting = this.#queued.clear();
    if (waiting.length > 0) this.#options.log.warn("queue_dropped", null, { fires: waiting.length, reason: "the daemon is stopping" });
    this.#countRuns();
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

  /** Fires waiting for a free slot (`maxRuns`). */
  get queuedCount(): number {
    return this.#queued.size;
  }

  /** Whether a run may start now: the daemon is not stopping, and below its limit of runs going. */
  get hasRoom(): boolean {
    return !this.#stopped && (this.#options.maxRuns === undefined || this.#active.size < this.#options.maxRuns);
  }

  /**
   * Starts a chained run whose logical date the store has just claimed (chains/chainFirer.ts), with
   * the job's lock under `forbid`; `lateMs`: how long ago the run it follows ended. False when the
   * daemon is stopping: the run recorded with the claim ends at once, without starting.
   */
  startChained(request: LaunchRequest, lock: JobLock | undefined, lateMs = 0): boolean {
    if (this.#stopped) {
      void lock?.release();
      void this.#options.store.runFinished(request.daemonJob.job.id, request.runId, "interrupted").catch(() => undefined);
      return false;
    }
    this.#start(request, lateMs, lock);
    return true;
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
    for (let top = this.#peek(); top && top.at <= now; top = this.#peek()) {
      this.#queue.pop();
      const state = this.#states.get(top.jobId)!;
      const windowStart = now - Math.max(this.#graceMs(state.daemonJob.job), this.#options.onTimeMs) - 1;
      const fires = state.cursor.takeDue(now, windowStart);
      this.#queueNext(state);
      if (fires) this.#addPending(state, fires, now);
    }
    if (this.#pending.size > 0 || this.#queued.size > 0) await this.#claimPending(now);
  }

  /** A job's new due fires join those still pending: the latest is the one that may run. */
  #addPending(state: JobState, fires: DueFires, now: number): void {
    const jobId = state.daemonJob.job.id;
    const waiting = this.#pending.get(jobId);
    const merged = waiting?.state === state ? mergeDueFires(waiting.fires, fires) : fires;
    const first = this.#options.store.claimsFirst({ jobId, scheduledForMs: merged.latest });
    this.#pending.set(jobId, { state, fires: merged, notBefore: first ? now : now + this.#options.handoffMs });
  }

  /**
   * How long until a hand-off ends; a heartbeat when none waits. Fires the store cannot claim now
   * are tried at the next heartbeat; fires queued for a slot when a run ends (or at a heartbeat).
   */
  #pendingWaitMs(now: number): number {
    let wait = this.#options.heartbeatMs;
    for (const pending of this.#pending.values()) if (pending.notBefore > now) wait = Math.min(wait, pending.notBefore - now);
    return wait;
  }

  #trigger(state: JobState, latest: number, now: number): "schedule" | "catchup" | undefined {
    const lateness = now - latest;
    if (latest >= state.downtimeBefore && lateness <= this.#options.onTimeMs) return "schedule";
    return lateness <= this.#graceMs(state.daemonJob.job) ? "catchup" : undefined;
  }

  /**
   * Claims every fire that may be claimed now — those waiting for a slot first, oldest first, then
   * the pending ones — in one call that also takes the locks of `forbid` jobs and records the runs
   * as started; then starts them. A fire that would start a run past `maxRuns` joins the queue.
   */
  async #claimPending(now: number): Promise<void> {
    const { store, log, metrics } = this.#options;
    if (!store.claiming || this.#stopped) return;
    const limit = this.#options.maxRuns ?? Infinity;
    const batch: Array<{ pending: PendingFires; claim: FireClaim; queued?: QueuedFire }> = [];
    const decidedAt = this.#options.clock.now();
    const claimOf = (pending: PendingFires, trigger: QueuedFire["trigger"] | undefined): FireClaim => {
      const { job } = pending.state.daemonJob;
      const scheduledFor = formatFireTime(pending.fires.latest, job.schedule!.timezone);
      const run = trigger && { runId: newRunId(new Date(decidedAt)), trigger, scheduledFor, forbid: job.concurrency === "forbid" };
      return { jobId: job.id, scheduledForMs: pending.fires.latest, run: run || undefined };
    };
    const current = (pending: PendingFires) => this.#states.get(pending.state.daemonJob.job.id) === pending.state;
    // Jobs with a fire in the queue: their later fires wait behind it, so each job's claims stay in time order.
    const behind = this.#queued.jobs();
    const { starting, dropped } = this.#queued.take(limit - this.#active.size, (queued) => current(queued.pending));
    for (const queued of dropped) {
      log.warn("queue_dropped", queued.jobId, {
        scheduled_for: formatFireTime(queued.fireMs, queued.pending.state.daemonJob.job.schedule!.timezone),
        reason: "the job's schedule changed or it was removed on reload",
      });
    }
    for (const queued of starting) batch.push({ pending: queued.pending, claim: claimOf(queued.pending, queued.trigger), queued });
    // Slots taken by runs going and by the runs this batch starts.
    let taken = this.#active.size + starting.length;
    for (const [jobId, pending] of this.#pending) {
      if (!current(pending)) {
        this.#pending.delete(jobId);
        continue;
      }
      if (pending.notBefore > now) continue;
      const trigger = this.#trigger(pending.state, pending.fires.latest, now);
      if (behind.has(jobId) && !trigger) continue;
      if (trigger && (taken >= limit || behind.has(jobId))) {
        this.#pending.delete(jobId);
        this.#enqueue(pending, trigger, now, taken);
        behind.add(jobId);
        continue;
      }
      if (trigger) taken++;
      batch.push({ pending, claim: claimOf(pending, trigger) });
    }
    this.#countRuns();
    if (batch.length === 0) return;
    let outcomes: ClaimOutcome[];
    try {
      outcomes = await store.claimFires(batch.map((entry) => entry.claim));
    } catch (error) {
      log.error("claim_failed", null, { fires: batch.length, error: (error as Error).message, kept: "pending" });
      for (const queued of starting) this.#queued.add(queued);
      this.#countRuns();
      return;
    }
    batch.forEach(({ pending, claim, queued }, index) => {
      const { state, fires } = pending;
      const { jobId, run } = claim;
      if (this.#pending.get(jobId) === pending) this.#pending.delete(jobId);
      const zone = state.daemonJob.job.schedule!.timezone;
      const scheduledFor = formatFireTime(fires.latest, zone);
      const outcome = outcomes[index]!;
      if (!outcome.claimed) {
        // Another daemon's share taken by it, as expected, says nothing; this daemon's own means another got there first.
        if (store.claimsFirst(claim)) log.info("already_fired", jobId, { scheduled_for: scheduledFor });
        return;
      }
      metrics?.firesClaimed(1);
      const earlier = undecidedEarlier(state.daemonJob.job.schedule!, fires, outcome.previousMs);
      const missed = earlier.count + (run ? 0 : 1);
      if (missed > 0) {
        log.warn("missed", jobId, {
          count: earlier.capped ? `${missed}+` : missed,
          first: formatFireTime(earlier.first ?? fires.latest, zone),
          last: run ? undefined : scheduledFor,
          grace_minutes: state.daemonJob.job.misfireGraceMinutes,
        });
        for (let count = 0; count < missed; count++) metrics?.fireMissed(jobId);
      }
      if (!run) return;
      const lock = outcome.lock;
      if (lock && !lock.acquired) {
        log.warn("skipped", jobId, { scheduled_for: scheduledFor, reason: "still_running", running: lock.heldBy });
        metrics?.fireSkipped(jobId);
        return;
      }
      const held = lock?.acquired ? lock.lock : undefined;
      const request: LaunchRequest = { daemonJob: state.daemonJob, runId: run.runId, trigger: run.trigger, scheduledFor, scheduledForMs: fires.latest };
      if (this.#stopped || this.#states.get(jobId) !== state) {
        // Reloaded or stopping since: the run recorded with the claim ends without starting.
        void held?.release();
        void store.runFinished(jobId, run.runId, "interrupted").catch(() => undefined);
        return;
      }
      this.#start(request, (queued?.queuedAtMs ?? now) - fires.latest, held, queued && now - queued.queuedAtMs);
    });
    // A slot kept for a fire that did not start (skipped, or taken by another daemon) is free again.
    if (this.#queued.size > 0 && this.#active.size < limit) this.#wake.abort();
    this.#countRuns();
  }

  /** A fire that would start a run past `maxRuns` waits for a slot, keeping its trigger. */
  #enqueue(pending: PendingFires, trigger: QueuedFire["trigger"], now: number, taken: number): void {
    const { job } = pending.state.daemonJob;
    const position = this.#queued.add({ jobId: job.id, fireMs: pending.fires.latest, queuedAtMs: now, pending, trigger });
    this.#options.log.info("queued", job.id, {
      scheduled_for: formatFireTime(pending.fires.latest, job.schedule!.timezone),
      running: taken,
      max_runs: this.#options.maxRuns,
      position,
    });
  }

  #countRuns(): void {
    this.#options.metrics?.setRunCounts(this.#active.size, this.#queued.size);
  }

  /**
   * Reruns an abandoned run (`on_abandoned: rerun`), once: the store gives the rerun to one daemon.
   * Under `forbid` it takes the job's lock first, and is skipped while another run holds it.
   */
  async startRecovery(daemonJob: DaemonJob, abandoned: AbandonedRun): Promise<string | undefined> {
    const { store, log, clock, metrics } = this.#options;
    const jobId = daemonJob.job.id;
    // A rerun that is abandoned in turn is not rerun again: a job that kills its daemon would loop.
    if (this.#stopped || abandoned.summary.trigger === "recovery" || !(await store.claimRecovery(abandoned.runId))) return undefined;
    const runId = newRunId(new Date(clock.now()));
    let lock: JobLock | undefined;
    if (daemonJob.job.concurrency === "forbid") {
      const [result] = await store.tryLockJobs([{ jobId, runId }]);
      if (!result?.acquired) {
        log.warn("recovery_skipped", jobId, { abandoned: abandoned.runId, reason: "still_running", running: result?.heldBy ?? null });
        return undefined;
      }
      lock = result.lock;
    }
    const scheduledFor = abandoned.summary.scheduled_for ?? null;
    const scheduledForMs = scheduledFor === null ? null : Date.parse(scheduledFor);
    this.#start({ daemonJob, runId, trigger: "recovery", scheduledFor, scheduledForMs, recoveryOf: abandoned.runId }, 0, lock);
    metrics?.runRecovered(jobId);
    return runId;
  }

  /**
   * Starts a run of `daemonJob` now, by hand (Run now in the console the daemon serves), with
   * `params` already checked: the daemon's limits apply as to a fire (none while stopping, at most
   * `maxRuns`, the job's lock under `forbid`), and the run ends with the daemon's stop like any other.
   * @throws UsageError saying why the run cannot start now
   */
  async startManual(daemonJob: DaemonJob, params: Record<string, unknown>): Promise<string> {
    const { store, clock } = this.#options;
    const jobId = daemonJob.job.id;
    if (this.#stopped) throw new UsageError("the daemon is stopping: it starts no more runs", { hint: "start it again, or run the job with nomaflow run" });
    const { maxRuns } = this.#options;
    if (maxRuns !== undefined && this.#active.size >= maxRuns) {
      throw new UsageError(`this daemon already runs ${this.#active.size} runs, its most at once (--max-runs ${maxRuns})`, {
        hint: "try again when one of them ends",
      });
    }
    const runId = newRunId(new Date(clock.now()));
    let lock: JobLock | undefined;
    if (daemonJob.job.concurrency === "forbid") {
      const [result] = await store.tryLockJobs([{ jobId, runId }]);
      if (!result?.acquired) {
        throw new UsageError(`job ${jobId} is still running${result?.heldBy ? ` (run ${result.heldBy})` : ""} and has concurrency: forbid`, {
          hint: "wait for that run to end",
        });
      }
      lock = result.lock;
    }
    const started = this.#start({ daemonJob, runId, trigger: "manual", scheduledFor: null, scheduledForMs: null, params }, 0, lock);
    if (!started) throw new UsageError(`job ${jobId} could not start`, { hint: "the daemon's log (fire_failed) says why" });
    return started;
  }

  #graceMs(job: Job): number {
    return job.misfireGraceMinutes * 60_000;
  }

  /** Starts the run; its id, or undefined when it could not start (logged as fire_failed). @param queuedMs how long the fire waited for a slot; undefined when it did not wait. */
  #start(request: LaunchRequest, lateness: number, lock: JobLock | undefined, queuedMs?: number): string | undefined {
    const { store, log, metrics, launch } = this.#options;
    const jobId = request.daemonJob.job.id;
    let run: LaunchedRun;
    try {
      run = launch(request);
    } catch (error) {
      void lock?.release();
      void store.runFinished(jobId, request.runId, "failed").catch(() => undefined);
      log.error("fire_failed", jobId, { scheduled_for: request.scheduledFor, error: (error as Error).message });
      return undefined;
    }
    this.#runsStarted++;
    const event = LAUNCH_EVENTS[request.trigger];
    log.info(event, jobId, {
      scheduled_for: request.scheduledFor,
      run: run.runId,
      // A chained run is late when the run it follows ended while no daemon was looking.
      late_ms: request.trigger === "catchup" || (request.trigger === "chain" && lateness > this.#options.onTimeMs) ? lateness : undefined,
      queued_ms: queuedMs,
      abandoned: request.recoveryOf,
      after: request.afterRuns?.map((after) => `${after.job_id}:${after.status}:${after.run_id}`).join(","),
    });
    if (request.trigger !== "recovery") metrics?.fireWaited(queuedMs ?? 0);
    const settled = followRun(this.#options, request, run, lock, () => {
      this.#active.delete(run.runId);
      // A slot is free: a fire waiting for one may start now.
      if (this.#pending.size > 0 || this.#queued.size > 0) this.#wake.abort();
      this.#countRuns();
    }).then((status) => {
      this.#options.onRunEnded?.({
        jobId,
        runId: run.runId,
        scheduledFor: run.scheduledFor ?? request.scheduledFor,
        status,
        endedMs: this.#options.clock.now(),
      });
    });
    this.#active.set(run.runId, { jobId, run, settled });
    this.#countRuns();
    return run.runId;
  }
}
