/**
 * One process at a time per PGlite folder. PGlite takes no lock of its own (it writes no
 * postmaster.pid), and two processes writing one folder lose each other's commits: measured, the
 * second process's rows replaced the first's. The daemon and a manual `nomaflow run` could both
 * open `pglite:.nomaflow/scratch`, so the folder gets a lock file naming its holder; a lock whose
 * process is gone is stale and taken over.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { fileProblem } from "../../files/fileProblem.js";
import { acquirePidLock } from "../../files/pidLockFile.js";
import { processIsAlive } from "../../files/processIsAlive.js";

export const LOCK_FILE = "nomaflow-pglite.lock";

/**
 * Creates the lock file or throws an Error saying, in the user's words, who holds it. Resolves
 * with a function that removes the lock (if it is still ours).
 */
export async function lockFolder(folder: string): Promise<() => Promise<void>> {
  const path = join(folder, LOCK_FILE);
  const release = acquirePidLock(path, {
    mine: `${process.pid}\n${hostname()}\n`,
    readHolder: (text) => {
      const [pidText = "", host = ""] = text.split("\n");
      return { pidText, pid: Number(pidText), host };
    },
    holderAlive: ({ pid, host }) => {
      // Our own pid can only be a leftover: within a process, one instance per folder is shared.
      const ours = pid === process.pid && host === hostname();
      return Number.isSafeInteger(pid) && pid > 0 && !ours && processIsAlive(host, pid);
    },
    cannotCreate: (error) => new Error(`cannot create the lock file ${path}: ${fileProblem(error)}`, { cause: error }),
    held: (holder) => {
      const { pidText = "", host = "" } = holder ?? {};
      const where = host && host !== hostname() ? ` on host ${host}` : "";
      return new Error(`${folder} is in use by another process (pid ${pidText}${where}); PGlite allows one process per folder at a time`);
    },
  });
  return async () => release();
}
