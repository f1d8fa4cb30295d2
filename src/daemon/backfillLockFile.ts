/**
 * `<runs_dir>/<job>/.backfill.lock`: held by `nomaflow backfill` while one of its runs of a
 * `concurrency: forbid` job goes, naming that run. A daemon on local disk (no `state:`) reads it
 * before it starts a run of the job, and skips the fire while a live process holds it, as it skips
 * one while its own run goes; the backfill, for its part, waits for the daemon's runs. The lock is
 * taken before the backfill looks for other runs, so a fire and a backfill run meet in one of the
 * two checks (a daemon whose run log is not yet on disk at that instant is the race left open).
 */
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { UsageError } from "../errors/nomaflowError.js";
import { fileProblem } from "../files/fileProblem.js";
import { makeFolderSync } from "../files/makeFolder.js";
import { acquirePidLock } from "../files/pidLockFile.js";
import type { IsAlive } from "../files/processIsAlive.js";
import { lockHolderAlive, processStartTicks } from "./daemonLockFile.js";

export const BACKFILL_LOCK_FILE = ".backfill.lock";

interface BackfillLockRecord {
  pid: number;
  host: string;
  process_start: string | null;
  run_id: string;
}

function lockPath(runsDir: string, jobId: string): string {
  return join(runsDir, jobId, BACKFILL_LOCK_FILE);
}

function readRecord(text: string): BackfillLockRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<BackfillLockRecord>;
    if (typeof value.pid !== "number" || typeof value.host !== "string" || typeof value.run_id !== "string") return undefined;
    return { pid: value.pid, host: value.host, process_start: value.process_start ?? null, run_id: value.run_id };
  } catch {
    return undefined;
  }
}

/** The backfill run of `jobId` going now, by a live process; undefined when there is none. One stat when there is no lock. */
export function backfillRunGoing(runsDir: string, jobId: string, isAlive: IsAlive): string | undefined {
  const path = lockPath(runsDir, jobId);
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const record = readRecord(text);
  return record && lockHolderAlive(record, isAlive) ? record.run_id : undefined;
}

/**
 * Takes the job's backfill lock for run `runId`. Returns the function that gives it back, or the
 * run that holds it (another backfill's) when a live process does.
 */
export function acquireBackfillLock(runsDir: string, jobId: string, runId: string, isAlive: IsAlive): { release: () => void } | { heldBy: string } {
  const path = lockPath(runsDir, jobId);
  const record: BackfillLockRecord = { pid: process.pid, host: hostname(), process_start: processStartTicks(process.pid), run_id: runId };
  const cannotCreate = (error: unknown) =>
    new UsageError(`cannot create the backfill lock file ${path}: ${fileProblem(error)}`, {
      cause: error,
      hint: "runs_dir in nomaflow.yaml must be a folder Nomaflow can write to",
    });
  try {
    makeFolderSync(join(runsDir, jobId));
  } catch (error) {
    throw cannotCreate(error);
  }
  let heldBy = "";
  const held = (holder: BackfillLockRecord | undefined) => {
    heldBy = holder?.run_id ?? "another backfill";
    return new Error(heldBy);
  };
  try {
    return {
      release: acquirePidLock(path, {
        mine: `${JSON.stringify(record)}\n`,
        readHolder: readRecord,
        holderAlive: (holder) => lockHolderAlive(holder, isAlive),
        cannotCreate,
        held,
      }),
    };
  } catch (error) {
    if (heldBy !== "") return { heldBy };
    throw error;
  }
}
