/**
 * The PGlite instances of this process: one per data folder, shared by every connector naming
 * it, opened on first use and closed when its last user lets go. @electric-sql/pglite is imported
 * only then, so commands that never touch PGlite never load it (nor compile its WebAssembly).
 */
import { constants } from "node:fs";
import { access, readdir, stat } from "node:fs/promises";
import { resolve } from "node:path";
import type * as PgliteModule from "@electric-sql/pglite";
import type { PGlite, QueryOptions } from "@electric-sql/pglite";
import { fileProblem } from "../../files/fileProblem.js";
import { makeFolder } from "../../files/makeFolder.js";
import { lockFolder, LOCK_FILE } from "./folderLock.js";
import { SessionQueue } from "./sessionQueue.js";
import { rawTextOptions } from "./values.js";

export interface PgliteInstance {
  readonly folder: string;
  readonly db: PGlite;
  /** Sessions take turns on the one connection. */
  readonly queue: SessionQueue;
  /** Query options that keep values as text, for pg's conversions (values.ts). */
  readonly textOptions: QueryOptions;
}

interface Entry {
  ready: Promise<PgliteInstance>;
  users: number;
}

let pgliteModule: Promise<typeof PgliteModule> | undefined;
const entries = new Map<string, Entry>();
const closing = new Map<string, Promise<void>>();
const lockReleases = new WeakMap<PgliteInstance, () => Promise<void>>();

/** Whether @electric-sql/pglite has been imported in this process. */
export function isPgliteLoaded(): boolean {
  return pgliteModule !== undefined;
}

/** How many PGlite instances are open or opening. */
export function openPgliteCount(): number {
  return entries.size;
}

/**
 * The instance for `folder`, opening it if needed; the caller is counted as a user until it calls
 * `releasePglite`. Rejects with an Error whose message is the reason in the user's words.
 */
export async function acquirePglite(folder: string): Promise<PgliteInstance> {
  const key = resolve(folder);
  // A closing instance must be gone before another opens the same files.
  while (closing.has(key)) await closing.get(key);
  let entry = entries.get(key);
  if (!entry) {
    const created: Entry = { ready: openInstance(key), users: 0 };
    created.ready.catch(() => {
      if (entries.get(key) === created) entries.delete(key);
    });
    entries.set(key, created);
    entry = created;
  }
  entry.users++;
  try {
    return await entry.ready;
  } catch (error) {
    entry.users--;
    throw error;
  }
}

/** One user lets go; the last one closes the instance and unlocks the folder. */
export async function releasePglite(instance: PgliteInstance): Promise<void> {
  const entry = entries.get(instance.folder);
  if (!entry || (await entry.ready.catch(() => undefined)) !== instance) return;
  entry.users--;
  if (entry.users > 0) return;
  entries.delete(instance.folder);
  const done = (async () => {
    try {
      await instance.db.close();
    } finally {
      await lockReleases.get(instance)?.();
    }
  })();
  closing.set(
    instance.folder,
    done.catch(() => {}),
  );
  try {
    await done;
  } finally {
    closing.delete(instance.folder);
  }
}

async function openInstance(folder: string): Promise<PgliteInstance> {
  await prepareFolder(folder);
  const unlock = await lockFolder(folder);
  const log: string[] = [];
  try {
    pgliteModule ??= import("@electric-sql/pglite");
    const { PGlite } = await pgliteModule;
    let db: PGlite;
    try {
      db = await PGlite.create(folder, {
        // PostgreSQL's own words for a failed start ("database files are incompatible with server").
        onStderr: (text) => {
          log.push(text);
          if (log.length > 20) log.shift();
          return false;
        },
      });
    } catch (error) {
      throw new Error(`could not open the PGlite database in ${folder}: ${startupFailure(log) ?? `${errorText(error)} (the folder may be damaged)`}`, {
        cause: error,
      });
    }
    const instance: PgliteInstance = { folder, db, queue: new SessionQueue(), textOptions: rawTextOptions(db) };
    lockReleases.set(instance, unlock);
    return instance;
  } catch (error) {
    await unlock();
    throw error;
  }
}

/** Creates the folder if missing; refuses a file, a read-only folder, or a folder of something else. */
async function prepareFolder(folder: string): Promise<void> {
  try {
    await makeFolder(folder);
  } catch (error) {
    throw new Error(`cannot create the PGlite folder ${folder}: ${fileProblem(error)}`, { cause: error });
  }
  if (!(await stat(folder)).isDirectory()) throw new Error(`${folder} is not a folder`);
  try {
    await access(folder, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new Error(`the PGlite folder ${folder} is not writable: ${fileProblem(error)}`, { cause: error });
  }
  const names = (await readdir(folder)).filter((name) => name !== LOCK_FILE);
  // PGlite would otherwise create a database among someone else's files (a mistyped pglite:. would fill the project root).
  if (names.length > 0 && !names.includes("PG_VERSION")) {
    throw new Error(`${folder} is not empty and holds no PGlite database (no PG_VERSION); point the connector at a new or empty folder`);
  }
}

/** FATAL/PANIC lines and their DETAIL from PostgreSQL's start-up output, without timestamps. */
function startupFailure(log: readonly string[]): string | undefined {
  const lines = log
    .map((line) => /\b(FATAL|PANIC|DETAIL|HINT):\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => match[2]!.trim());
  return lines.length > 0 ? lines.join(" ") : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
