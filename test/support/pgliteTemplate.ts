/**
 * Fresh PGlite folders for tests, copied from one initialised folder per test run. Opening a new
 * PGlite folder runs initdb (about 5 s here); copying a closed one takes about 1 s. A folder is
 * safe to copy once its instance is closed: PGlite shuts PostgreSQL down cleanly on close (it
 * removes postmaster.pid), and the files name no absolute path, so the copy is what initdb makes.
 *
 * The template is made on first use, by whichever test process asks first, in the folder the
 * global setup (pgliteTemplateSetup.ts) gives every test process; the others wait for it.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { inject } from "vitest";
import { REPO_ROOT } from "./tempProject.js";

/** How long a test process waits for another one to finish the template. */
const WAIT_MS = 120_000;

let template: Promise<string> | undefined;

/**
 * Copies an initialised PGlite database into `folder` (created; it must not hold anything yet) and
 * returns `folder`. Use it where a test needs an empty database, not where it checks what
 * Nomaflow does with a new or missing folder.
 */
export async function freshPgliteFolder(folder: string): Promise<string> {
  if (existsSync(folder) && readdirSync(folder).length > 0) throw new Error(`freshPgliteFolder: ${folder} is not empty`);
  cpSync(await (template ??= makeTemplate()), folder, { recursive: true });
  return folder;
}

async function makeTemplate(): Promise<string> {
  const dir = inject("pgliteTemplateDir");
  const ready = join(dir, "template");
  // The lock: made by the first process to ask, left in place once the template is ready.
  const building = join(dir, "building");
  if (existsSync(ready)) return ready;
  try {
    mkdirSync(building);
  } catch {
    for (const start = Date.now(); !existsSync(ready); await sleep(100)) {
      if (!existsSync(building)) throw new Error(`the test process making the PGlite template in ${dir} failed`);
      if (Date.now() - start > WAIT_MS) throw new Error(`no PGlite template in ${ready} after ${WAIT_MS} ms`);
    }
    return ready;
  }
  try {
    // In a child process, so that no test process loads PGlite for it (test/connectors/pglite/lazyImport.test.ts
    // checks that it is loaded on first use); opened as src/connectors/pglite/instances.ts opens a new folder.
    const script = "const { PGlite } = await import('@electric-sql/pglite'); await (await PGlite.create(process.argv[1])).close();";
    await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script, join(building, "db")], { cwd: REPO_ROOT });
    renameSync(join(building, "db"), ready);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
  return ready;
}
