/** Whether the process that writes a run log is still there, which tells running from abandoned. */
import { hostname } from "node:os";

/** Judges whether the process `pid` on `host` is alive. */
export type IsAlive = (host: string, pid: number) => boolean;

/**
 * On this host, whether a process `pid` exists (signal 0 checks without sending anything; EPERM
 * means it exists but belongs to someone else). On another host there is no way to tell from
 * here, so the run is taken to be alive: reporting a live run as abandoned would be worse than
 * the reverse.
 *
 * A pid can be reused after its process exits, so a long-dead run may read as running until the
 * pid is free again; the writer's final event, not this check, is what ends a run.
 */
export function processIsAlive(host: string, pid: number): boolean {
  if (host !== hostname()) return true;
  // 0 and negative numbers address process groups, not one process.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
