/**
 * One daemon per project: `<runs_dir>/.daemon.lock` names the daemon that holds the project. Two
 * daemons on one project would both fire every job, so the second refuses to start (exit 2). A
 * lock whose process is gone (killed, or the machine rebooted) is stale and taken over.
 *
 * Pids are reused, after a reboot especially; on Linux the lock also records when its process
 * started (from /proc), so a reused pid is not taken for the old daemon. The locking itself is
 * files/pidLockFile.ts, as for the PGlite folder lock.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { UsageError } from "../errors/nomaflowError.js";
import { fileProblem } from "../files/fileProblem.js";
import { makeFolderSync } from "../files/makeFolder.js";
import { acquirePidLock } from "../files/pidLockFile.js";
import type { IsAlive } from "../files/processIsAlive.js";

export const DAEMON_LOCK_FILE = ".daemon.lock";

interface LockRecord {
  pid: number;
  host: string;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot), when there is a /proc. */
  process_start: string | null;
  started_at: string;
}

export interface DaemonLockOptions {
  pid: number;
  host?: string;
  isAlive: IsAlive;
  nowMs: number;
}

/** When process `pid` started, as /proc tells it; null where there is no /proc. */
export function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function readLock(text: string): LockRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    if (typeof value.pid !== "number" || typeof value.host !== "string") return undefined;
    return { pid: value.pid, host: value.host, process_start: value.process_start ?? null, started_at: String(value.started_at ?? "") };
  } catch {
    return undefined;
  }
}

/** Whether the process a lock names still runs: alive, and on this host not a later process given the same pid. */
export function lockHolderAlive(lock: Pick<LockRecord, "host" | "pid" | "process_start">, isAlive: IsAlive): boolean {
  if (!isAlive(lock.host, lock.pid)) return false;
  if (lock.host !== hostname() || lock.process_start === null) return true;
  const start = processStartTicks(lock.pid);
  return start === null || start === lock.process_start;
}

function cannotCreate(path: string, error: unknown): UsageError {
  return new UsageError(`cannot create the daemon lock file ${path}: ${fileProblem(error)}`, {
    cause: error,
    hint: "runs_dir in nomaflow.yaml must be a folder Nomaflow can write to",
  });
}

/**
 * Takes the lock or throws a UsageError naming the daemon that holds it. Returns the function
 * that gives it back (only if it is still ours).
 */
export function acquireDaemonLock(path: string, options: DaemonLockOptions): () => void {
  const record: LockRecord = {
    pid: options.pid,
    host: options.host ?? hostname(),
    process_start: options.pid === process.pid ? processStartTicks(process.pid) : null,
    started_at: new Date(options.nowMs).toISOString(),
  };
  try {
    makeFolderSync(dirname(path));
  } catch (error) {
    throw cannotCreate(path, error);
  }
  return acquirePidLock(path, {
    mine: `${JSON.stringify(record)}\n`,
    readHolder: readLock,
    holderAlive: (holder) => lockHolderAlive(holder, options.isAlive),
    cannotCreate: (error) => cannotCreate(path, error),
    held: (holder) => {
      const who = holder ? `pid ${holder.pid}${holder.host !== hostname() ? ` on host ${holder.host}` : ""}, started ${holder.started_at}` : "unknown";
      return new UsageError(`another nomaflow daemon is already running for this project (${who}); lock file ${path}`, {
        hint: "stop that daemon first; if it is gone for good, delete the lock file",
      });
    },
  });
}
