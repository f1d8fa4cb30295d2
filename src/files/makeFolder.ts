/**
 * `mkdir -p` that always ends. Node's own recursive mkdir retries for ever where a file system
 * answers ENOENT under a folder that exists (/proc, /sys: 100 % CPU, no way out but SIGKILL),
 * and reports ENOENT on a read-only file system; this one climbs each level once and throws
 * the real reason, worded by fileProblem.
 *
 * The one folder is tried first: a recursive mkdir was measured at ten to twenty times the cost
 * of a plain one, which counts when a daemon starts 1,000 runs at once.
 */
import { mkdirSync, statSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";

type Made = "made" | "parent missing";

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/** An error without a system call, so fileProblem keeps its words; code and path as Node sets them. */
function plainError(message: string, code: string, path: string, cause: unknown): NodeJS.ErrnoException {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code, path });
}

/** What a failed mkdir of an existing path or a missing parent means; rethrows everything else. */
function outcome(error: unknown, folder: string, isFolder: () => boolean): Made {
  const code = errorCode(error);
  if (code === "EEXIST") {
    if (isFolder()) return "made";
    throw plainError(`${folder} is a file, not a folder`, "ENOTDIR", folder, error);
  }
  // ENOTDIR: a file somewhere above; climbing finds and names it.
  if ((code === "ENOENT" || code === "ENOTDIR") && dirname(folder) !== folder) return "parent missing";
  throw error;
}

/** ENOENT again once the parent is there: the file system saying no (/proc does). */
function refused(folder: string): Error {
  return plainError(`the file system refuses new folders in ${dirname(folder)} (ENOENT)`, "ENOENT", folder, undefined);
}

function makeOnceSync(folder: string): Made {
  try {
    mkdirSync(folder);
    return "made";
  } catch (error) {
    return outcome(error, folder, () => statSync(folder).isDirectory());
  }
}

/** Creates `folder` and the folders above it that are missing. */
export function makeFolderSync(folder: string): void {
  if (makeOnceSync(folder) === "made") return;
  makeFolderSync(dirname(folder));
  if (makeOnceSync(folder) !== "made") throw refused(folder);
}

async function makeOnce(folder: string): Promise<Made> {
  try {
    await mkdir(folder);
    return "made";
  } catch (error) {
    const isFolder = errorCode(error) === "EEXIST" && (await stat(folder).catch(() => undefined))?.isDirectory() === true;
    return outcome(error, folder, () => isFolder);
  }
}

/** Like makeFolderSync, off the event loop. */
export async function makeFolder(folder: string): Promise<void> {
  if ((await makeOnce(folder)) === "made") return;
  await makeFolder(dirname(folder));
  if ((await makeOnce(folder)) !== "made") throw refused(folder);
}
