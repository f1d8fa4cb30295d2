/**
 * Fires chained jobs (`trigger: { after: [a, b], on }`): each time a run of `a` or `b` ends, the
 * jobs after it are looked at for that run's logical date; one whose `after` runs for the date
 * all ended as `on` asks (chainDecision.ts) is claimed in the store for that date, once for the
 * whole project, and started by the scheduler with trigger `chain`.
 *
 * Ends come from the scheduler as its runs end, and from the store for the rest (`nomaflow run`,
 * `backfill`, another daemon, a daemon before this one): looked for about once a second. At
 * start-up the look goes back over the chained jobs' `misfire_grace_minutes`: a run that ended
 * while no daemon ran starts the jobs after it late, within that grace, as a missed fire would.
 *
 * A date that cannot be claimed now (the daemon is at its limit of runs, a `forbid` job's
 * previous run still goes, the store does not answer) stays waiting and is tried again on the
 * next tick or run end. Evaluations run one at a time, apart from the scheduler's loop.
 */
import { newRunId } from "../../identity/runId.js";
import { chainRoot } from "../../project/chainRoot.js";
import { chainedLogicalDate } from "../../runner/logicalDate.js";
import type { Clock } from "../clock.js";
import type { DaemonJob } from "../daemonJob.js";
import type { DaemonLog } from "../daemonLog.js";
import type { Scheduler } from "../scheduler.js";
import { chainDecision } from "./chainDecision.js";
import type { ChainStore, EndedRun } from "./chainStore.js";

export interface ChainFirerOptions {
  store: ChainStore;
  log: DaemonLog;
  clock: Clock;
  /** Where chained runs start: the scheduler, which records and counts them and reports their ends. */
  runs: Pick<Scheduler, "hasRoom" | "startChained">;
  /** How often the store is asked for runs that ended elsewhere. @default 1000 */
  lookEveryMs?: number;
  /** A run that ended at most this long ago starts the jobs after it whatever their misfire grace (the scheduler's on-time). @default 5000 */
  onTimeMs?: number;
}

/** A chained job to look at for one logical date, because `ended` ended. */
interface Candidate {
  jobId: string;
  atMs: number;
  ended: EndedRun;
  /** Said once in the log while it waits. */
  waitingSaid: boolean;
}

type Outcome = "done" | "keep";

export class ChainFirer {
  readonly #options: Required<ChainFirerOptions>;
  #jobs: ReadonlyMap<string, DaemonJob> = new Map();
  /** Job id → the enabled chained jobs that name it in `after`. */
  #after = new Map<string, DaemonJob[]>();
  readonly #candidates = new Map<string, Candidate>();
  #worker: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #sinceMs = 0;
  #lookedAtMs = -Infinity;

  constructor(options: ChainFirerOptions) {
    this.#options = { lookEveryMs: 1000, onTimeMs: 5000, ...options };
  }

  /** The jobs to follow, at start and after each reload. */
  setJobs(jobs: ReadonlyMap<string, DaemonJob>): void {
    this.#jobs = jobs;
    const after = new Map<string, DaemonJob[]>();
    for (const daemonJob of jobs.values()) {
      const { job } = daemonJob;
      if (!job.enabled || !job.trigger) continue;
      for (const upstream of job.trigger.after) after.set(upstream, [...(after.get(upstream) ?? []), daemonJob]);
    }
    this.#after = after;
  }

  /** Starts looking: the first look for runs ended elsewhere goes back over the longest grace. */
  start(jobs: ReadonlyMap<string, DaemonJob>): void {
    this.setJobs(jobs);
    const graces = [...jobs.values()].filter(({ job }) => job.trigger).map(({ job }) => job.misfireGraceMinutes * 60_000);
    this.#sinceMs = this.#options.clock.now() - Math.max(0, ...graces);
  }

  /** The jobs that some chained job runs after. */
  get followed(): string[] {
    return [...this.#after.keys()];
  }

  /** A run of the scheduler ended (its end recorded in the store). */
  runEnded(run: EndedRun): void {
    this.#consider(run);
    this.#kick();
  }

  /** Once a tick: looks for runs that ended elsewhere, when due, and tries the waiting dates again. */
  async tick(): Promise<void> {
    if (this.#stopped) return;
    const now = this.#options.clock.now();
    const followed = this.followed;
    if (followed.length > 0 && now - this.#lookedAtMs >= this.#options.lookEveryMs) {
      this.#lookedAtMs = now;
      try {
        for (const run of await this.#options.store.endedElsewhere(followed, this.#sinceMs)) this.#consider(run);
      } catch (error) {
        this.#options.log.error("store_error", null, { doing: "looking for ended runs", error: (error as Error).message });
      }
    }
    if (this.#candidates.size > 0) this.#kick();
  }

  stop(): void {
    this.#stopped = true;
  }

  /** Resolves when no evaluation is going. */
  async settled(): Promise<void> {
    while (this.#worker) await this.#worker;
  }

  #consider(run: EndedRun): void {
    const atMs = Date.parse(run.scheduledFor ?? "");
    if (this.#stopped || !Number.isFinite(atMs)) return;
    for (const { job } of this.#after.get(run.jobId) ?? []) {
      const key = `${job.id}\u0000${atMs}`;
      const known = this.#candidates.get(key);
      // The newest end of a job for the date is the one that counts.
      if (!known || known.ended.runId <= run.runId || known.ended.jobId !== run.jobId) {
        this.#candidates.set(key, { jobId: job.id, atMs, ended: run, waitingSaid: known?.waitingSaid ?? false });
      }
    }
  }

  #kick(): void {
    if (this.#worker) {
      this.#again = true;
      return;
    }
    this.#worker = this.#drain().finally(() => (this.#worker = undefined));
  }

  async #drain(): Promise<void> {
    do {
      this.#again = false;
      for (const [key, candidate] of [...this.#candidates]) {
        if (this.#stopped) return;
        let outcome: Outcome;
        try {
          outcome = await this.#evaluate(candidate);
        } catch (error) {
          this.#options.log.error("store_error", candidate.jobId, { doing: "starting a chained run", error: (error as Error).message });
          outcome = "keep";
        }
        if (outcome === "done" && this.#candidates.get(key) === candidate) this.#candidates.delete(key);
      }
    } while (this.#again && !this.#stopped);
  }

  async #evaluate(candidate: Candidate): Promise<Outcome> {
    const { log, store, clock, runs } = this.#options;
    const daemonJob = this.#jobs.get(candidate.jobId);
    const job = daemonJob?.job;
    if (!daemonJob || !job?.enabled || !job.trigger?.after.includes(candidate.ended.jobId)) return "done";
    const { ended, atMs } = candidate;
    const root = chainRoot(job, (id) => this.#jobs.get(id)?.job, this.#jobs.size);
    const scheduledFor = chainedLogicalDate(job, root, atMs, clock.now()).scheduledFor;
    const lateMs = clock.now() - ended.endedMs;
    if (lateMs > Math.max(this.#options.onTimeMs, job.misfireGraceMinutes * 60_000)) {
      log.warn("chain_missed", job.id, {
        scheduled_for: scheduledFor,
        after: `${ended.jobId}:${ended.runId}`,
        ended_ago_ms: lateMs,
        grace_minutes: job.misfireGraceMinutes,
      });
      return "done";
    }
    const latest = await store.latestRunsFor(job.trigger.after, atMs);
    const found = latest.get(ended.jobId);
    if (!found || found.runId <= ended.runId) latest.set(ended.jobId, { jobId: ended.jobId, runId: ended.runId, status: ended.status });
    const decision = chainDecision(job.trigger.after, job.trigger.on, latest);
    if (decision.decision === "wait") return "done";
    const afterRuns = decision.runs.map((run) => ({ job_id: run.jobId, run_id: run.runId, status: run.status as Exclude<typeof run.status, "running"> }));
    const afterText = afterRuns.map((run) => `${run.job_id}:${run.status}`).join(",");
    if (decision.decision === "skip") {
      log.info("chain_skipped", job.id, { scheduled_for: scheduledFor, on: job.trigger.on, after: afterText });
      return "done";
    }
    if (!runs.hasRoom) return this.#waiting(candidate, scheduledFor, { reason: "daemon_full" });
    const runId = newRunId(new Date(clock.now()));
    const logicalDate = chainedLogicalDate(job, root, atMs, clock.now());
    const claim = await store.claimChain({
      jobId: job.id,
      scheduledForMs: atMs,
      runId,
      scheduledFor: logicalDate.scheduledFor,
      forbid: job.concurrency === "forbid",
    });
    if (claim.outcome === "taken") return "done";
    if (claim.outcome === "busy") return this.#waiting(candidate, scheduledFor, { reason: "still_running", running: claim.heldBy });
    runs.startChained(
      {
        daemonJob,
        runId,
        trigger: "chain",
        scheduledFor: logicalDate.scheduledFor,
        scheduledForMs: atMs,
        logicalDate,
        afterRuns,
      },
      claim.lock,
      clock.now() - ended.endedMs,
    );
    return "done";
  }

  #waiting(candidate: Candidate, scheduledFor: string, fields: Record<string, string | null>): Outcome {
    if (!candidate.waitingSaid) {
      candidate.waitingSaid = true;
      this.#options.log.info("chain_waiting", candidate.jobId, { scheduled_for: scheduledFor, ...fields });
    }
    return "keep";
  }
}
