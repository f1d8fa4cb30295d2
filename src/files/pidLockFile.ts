/**
 * A lock file naming the process that holds something (the daemon's project, a PGlite folder):
 * created exclusively, so of two processes only one gets it; a lock whose holder is gone (killed,
 * or the machine rebooted) is stale and taken over, once. Each user keeps its own file format and
 * its own idea of a live holder.
 *
 * Two processes taking over the same stale lock at the same instant could both succeed; that
 * needs a crash and a race together and is left alone.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";

export interface PidLockFile<Holder> {
  /** The file's text while this process holds the lock. */
  mine: string;
  /** The holder a lock file's text names; undefined when it names none (unreadable: stale). */
  readHolder: (text: string) => Holder | undefined;
  /** Whether that holder is still there (a stale lock is taken over). */
  holderAlive: (holder: Holder) => boolean;
  /** The error for a file that cannot be created (not for one that exists). */
  cannotCreate: (error: unknown) => Error;
  /** The error for a lock held by a live process, or by one that took it over meanwhile. */
  held: (holder: Holder | undefined) => Error;
}

/**
 * Creates the lock file at `path` or throws `held(holder)`. Returns the function that removes the
 * lock, only if it is still ours.
 */
export function acquirePidLock<Holder>(path: string, lock: PidLockFile<Holder>): () => void {
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, lock.mine, { flag: "wx" });
      return () => {
        let current: string | undefined;
        try {
          current = readFileSync(path, "utf8");
        } catch {
          return;
        }
        if (current === lock.mine) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw lock.cannotCreate(error);
    }
    let text: string | undefined;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      text = undefined;
    }
    const holder = text === undefined ? undefined : lock.readHolder(text);
    if (attempt === 0 && (holder === undefined || !lock.holderAlive(holder))) {
      rmSync(path, { force: true });
      continue;
    }
    throw lock.held(holder);
  }
}
