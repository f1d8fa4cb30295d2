/**
 * One process at a time per PGlite folder. PGlite takes no lock of its own (it writes no
 * postmaster.pid), and two processes writing one folder lose each other's commits: measured, the
 * second process's rows replaced the first's. The daemon and a manual `nomaflow run` could both
 * open `pglite:.nomaflow/scratch`, so the folder gets a lock file naming its holder; a lock whose
 * process is gone is stale and taken over.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileProblem } from "../../files/fileProblem.js";
import { processIsAlive } from "../../files/processIsAlive.js";

export const LOCK_FILE = "nomaflow-pglite.lock";

/**
 * Creates the lock file or throws an Error saying, in the user's words, who holds it. Resolves
 * with a function that removes the lock (if it is still ours).
 *
 * Two processes taking over the same stale lock at the same instant could both succeed; that
 * needs a crash and a race together and is left alone.
 */
export async function lockFolder(folder: string): Promise<() => Promise<void>> {
  const path = join(folder, LOCK_FILE);
  const mine = `${process.pid}\n${hostname()}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, mine, { flag: "wx" });
      return async () => {
        const current = await readFile(path, "utf8").catch(() => undefined);
        if (current === mine) await rm(path, { force: true });
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") throw new Error(`cannot create the lock file ${path}: ${fileProblem(error)}`, { cause: error });
    }
    const [pidText = "", host = ""] = (await readFile(path, "utf8").catch(() => "")).split("\n");
    const pid = Number(pidText);
    // Our own pid can only be a leftover: within a process, one instance per folder is shared.
    const ours = pid === process.pid && host === hostname();
    if (attempt === 0 && (!Number.isSafeInteger(pid) || pid <= 0 || ours || !processIsAlive(host, pid))) {
      await rm(path, { force: true });
      continue;
    }
    const where = host && host !== hostname() ? ` on host ${host}` : "";
    throw new Error(`${folder} is in use by another process (pid ${pidText}${where}); PGlite allows one process per folder at a time`);
  }
}
