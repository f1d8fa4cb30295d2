/**
 * The fire store on local disk (DESIGN 6.3): the run logs in runs_dir are the record of what
 * fired (`run_started.scheduled_for`, trigger schedule or catchup), `.daemon-state.json` beside
 * them keeps what no run log says, and `.daemon.lock` keeps a second daemon off the project.
 * Locks live in this process: only one daemon runs a project from local disk; a `nomaflow backfill`
 * run of a job says so in the job's `.backfill.lock`, which a forbid fire checks.
 *
 * At start each job's logs are read newest first, from their ends only, down to its latest
 * scheduled run; after that every answer comes from memory and no log is read on a tick.
 */
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { listRunLogs } from "../run-logs/listRuns.js";
import { processIsAlive, type IsAlive } from "../files/processIsAlive.js";
import { readRunSummary } from "../run-logs/readRunLog.js";
import { runStartedAt } from "../identity/runId.js";
import { backfillRunGoing } from "./backfillLockFile.js";
import { acquireDaemonLock, DAEMON_LOCK_FILE } from "./daemonLockFile.js";
import { DAEMON_STATE_FILE, readDaemonState, writeDaemonState, type DaemonState } from "./daemonStateFile.js";
import type { AbandonedRun, ClaimOutcome, FireClaim, FireStore, JobLockResult, LockRequest, OpenedFireStore, StartedRun } from "./fireStore.js";
import { readRunLogEnds } from "../run-logs/runLogEnds.js";

export interface LocalFireStoreOptions {
  runsDir: string;
  /** @default processIsAlive */
  isAlive?: IsAlive;
  /** This daemon's pid, written in the lock and the state. @default process.pid */
  pid?: number;
  /** How often the state is rewritten when nothing changed, to record that the daemon is alive. @default 30000 */
  aliveEveryMs?: number;
  /** At most this many logs are read per job at start, looking for its latest scheduled run. @default 200 */
  scanLimit?: number;
}

/** A run without a final event whose process was alive at start: `nomaflow run` by hand, say. */
interface OtherRun {
  runId: string;
  path: string;
  host: string;
  pid: number;
}

interface JobHistory {
  lastScheduledMs: number | undefined;
  others: OtherRun[];
}

/** A log without run_started reads as starting this long after its run id's instant (as in readRunLog). */
const STARTUP_GRACE_MS = 10_000;

export class LocalFireStore implements FireStore {
  readonly #runsDir: string;
  readonly #isAlive: IsAlive;
  readonly #pid: number;
  readonly #host = hostname();
  readonly #aliveEveryMs: number;
  readonly #scanLimit: number;
  readonly #statePath: string;
  readonly #decided = new Map<string, number>();
  readonly #history = new Map<string, JobHistory>();
  readonly #active = new Map<string, Set<string>>();
  readonly #locked = new Map<string, string>();
  readonly #abandoned = new Map<string, AbandonedRun>();
  readonly #recovered = new Set<string>();
  /** One daemon per project: every fire is this one's, and nothing else can take the claims away. */
  readonly claiming = true;
  #reported: string[] = [];
  #startedAt = "";
  #releaseLock: (() => void) | undefined;
  #dirty = false;
  #lastWriteMs = 0;
  #nowMs = 0;

  constructor(options: LocalFireStoreOptions) {
    this.#runsDir = options.runsDir;
    this.#isAlive = options.isAlive ?? processIsAlive;
    this.#pid = options.pid ?? process.pid;
    this.#aliveEveryMs = options.aliveEveryMs ?? 30_000;
    this.#scanLimit = options.scanLimit ?? 200;
    this.#statePath = join(this.#runsDir, DAEMON_STATE_FILE);
  }

  async open(jobIds: readonly string[], nowMs: number): Promise<OpenedFireStore> {
    this.#nowMs = nowMs;
    this.#releaseLock = acquireDaemonLock(join(this.#runsDir, DAEMON_LOCK_FILE), { pid: this.#pid, isAlive: this.#isAlive, nowMs });
    const previous = readDaemonState(this.#statePath);
    for (const [job, at] of Object.entries(previous?.decided ?? {})) this.#decided.set(job, at);
    this.#reported = previous?.reported_abandoned ?? [];
    // The runs the previous daemon had going when it last wrote its state, then each job's newest.
    // A run recorded as going whose log is missing never started: the daemon stopped between the
    // fire and the log's creation (it is made in the background). Its scheduled time stays decided.
    for (const record of previous?.active_runs ?? []) {
      const path = join(this.#runsDir, record.job, `${record.run}.ndjson`);
      if (existsSync(path)) this.#checkForAbandoned(record.job, record.run, path);
    }
    for (const jobId of jobIds) this.#historyOf(jobId);
    this.#startedAt = new Date(nowMs).toISOString();
    this.#write(nowMs);
    if (!previous) return { previous: undefined };
    const lastAlive = Date.parse(previous.stopped_at ?? previous.alive_at);
    return { previous: { lastAliveMs: lastAlive, stoppedCleanly: previous.stopped_at !== null } };
  }

  async lastScheduledFire(jobId: string): Promise<number | undefined> {
    const fromLogs = this.#historyOf(jobId).lastScheduledMs;
    const decided = this.#decided.get(jobId);
    if (fromLogs === undefined) return decided;
    return decided === undefined ? fromLogs : Math.max(fromLogs, decided);
  }

  async claimFires(fires: readonly FireClaim[]): Promise<ClaimOutcome[]> {
    const outcomes: ClaimOutcome[] = [];
    for (const { jobId, scheduledForMs, run } of fires) {
      const last = await this.lastScheduledFire(jobId);
      const claimed = last === undefined || scheduledForMs > last;
      if (!claimed) {
        outcomes.push({ claimed, previousMs: last });
        continue;
      }
      this.#decided.set(jobId, scheduledForMs);
      this.#dirty = true;
      const lock = run?.forbid ? (await this.tryLockJobs([{ jobId, runId: run.runId }]))[0] : undefined;
      outcomes.push({ claimed, previousMs: last, lock });
    }
    return outcomes;
  }

  claimsFirst(): boolean {
    return true;
  }

  async tryLockJobs(requests: readonly LockRequest[]): Promise<JobLockResult[]> {
    return requests.map(({ jobId, runId }): JobLockResult => {
      const mine = this.#active.get(jobId);
      if (this.#locked.has(jobId)) return { acquired: false, heldBy: this.#locked.get(jobId)! };
      if (mine && mine.size > 0) return { acquired: false, heldBy: [...mine][0]! };
      const other = this.#otherRunGoing(jobId);
      if (other) return { acquired: false, heldBy: other.runId };
      const backfill = backfillRunGoing(this.#runsDir, jobId, this.#isAlive);
      if (backfill !== undefined) return { acquired: false, heldBy: backfill };
      this.#locked.set(jobId, runId);
      return { acquired: true, lock: { release: async () => void this.#locked.delete(jobId) } };
    });
  }

  async runStarted({ jobId, runId }: StartedRun): Promise<void> {
    let runs = this.#active.get(jobId);
    if (!runs) this.#active.set(jobId, (runs = new Set()));
    runs.add(runId);
    this.#dirty = true;
  }

  async runFinished(jobId: string, runId: string): Promise<void> {
    const runs = this.#active.get(jobId);
    runs?.delete(runId);
    if (runs?.size === 0) this.#active.delete(jobId);
    this.#dirty = true;
  }

  async abandonedRuns(): Promise<AbandonedRun[]> {
    return [...this.#abandoned.values()].sort((a, b) => (a.runId < b.runId ? -1 : 1));
  }

  async markAbandonedReported(runId: string): Promise<void> {
    if (!this.#abandoned.delete(runId)) return;
    this.#reported.push(runId);
    this.#dirty = true;
    this.#write(this.#nowMs);
  }

  async claimRecovery(runId: string): Promise<boolean> {
    if (this.#recovered.has(runId)) return false;
    this.#recovered.add(runId);
    return true;
  }

  async heartbeat(nowMs: number): Promise<void> {
    this.#nowMs = nowMs;
    if (this.#dirty || nowMs - this.#lastWriteMs >= this.#aliveEveryMs || nowMs < this.#lastWriteMs) this.#write(nowMs);
  }

  async close(nowMs: number): Promise<void> {
    if (!this.#releaseLock) return;
    this.#write(nowMs, new Date(nowMs).toISOString());
    this.#releaseLock();
    this.#releaseLock = undefined;
  }

  #write(nowMs: number, stoppedAt: string | null = null): void {
    const state: DaemonState = {
      pid: this.#pid,
      host: this.#host,
      started_at: this.#startedAt,
      alive_at: new Date(nowMs).toISOString(),
      stopped_at: stoppedAt,
      decided: Object.fromEntries(this.#decided),
      // Abandoned runs not yet reported stay listed, so a crash before the report does not lose it.
      active_runs: [
        ...[...this.#active].flatMap(([job, runs]) => [...runs].map((run) => ({ job, run }))),
        ...[...this.#abandoned.values()].map((run) => ({ job: run.jobId, run: run.runId })),
      ],
      reported_abandoned: this.#reported,
    };
    writeDaemonState(this.#statePath, state);
    this.#dirty = false;
    this.#lastWriteMs = nowMs;
  }

  /** Reads a job's logs newest first down to its latest scheduled run, once per job. */
  #historyOf(jobId: string): JobHistory {
    let history = this.#history.get(jobId);
    if (history) return history;
    history = { lastScheduledMs: undefined, others: [] };
    this.#history.set(jobId, history);
    for (const log of listRunLogs(this.#runsDir, jobId).slice(0, this.#scanLimit)) {
      const started = this.#checkForAbandoned(jobId, log.runId, log.path, history);
      if ((started?.trigger === "schedule" || started?.trigger === "catchup") && started.scheduled_for) {
        const at = Date.parse(started.scheduled_for);
        if (Number.isFinite(at)) {
          history.lastScheduledMs = at;
          break;
        }
      }
    }
    return history;
  }

  /** Sorts an unfinished log into abandoned or still going; returns its run_started. */
  #checkForAbandoned(jobId: string, runId: string, path: string, history?: JobHistory) {
    const ends = readRunLogEnds(path);
    if (ends.finished || this.#abandoned.has(runId) || this.#reported.includes(runId)) return ends.started;
    const started = ends.started;
    // This process has started no run yet: a log naming its pid is from a process that had it before.
    const alive = started
      ? !(started.host === this.#host && started.pid === this.#pid) && this.#isAlive(started.host, started.pid)
      : this.#nowMs - (runStartedAt(runId) ?? 0) < STARTUP_GRACE_MS;
    if (!alive) {
      this.#abandoned.set(runId, { runId, jobId, summary: readRunSummary(path, () => false), lastEventAt: ends.lastEventAt });
    } else if (started && history && !history.others.some((other) => other.runId === runId)) {
      history.others.push({ runId, path, host: started.host, pid: started.pid });
    }
    return started;
  }

  /** A run of the job by another process that is still going (its log is re-read only here). */
  #otherRunGoing(jobId: string): OtherRun | undefined {
    const history = this.#historyOf(jobId);
    history.others = history.others.filter((other) => !readRunLogEnds(other.path).finished && this.#isAlive(other.host, other.pid));
    return history.others[0];
  }
}
