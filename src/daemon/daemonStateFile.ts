/**
 * The local store's own record, `<runs_dir>/.daemon-state.json`, beside the run logs that remain
 * the record of what fired. It keeps what a run log cannot say: fires decided without a run
 * (skipped while the job ran, missed beyond the grace), the runs going when it was last written
 * (so the next daemon finds the ones a crash abandoned without reading old logs), the abandoned
 * runs already reported, and when the daemon was last alive. Losing it loses no fire: the next
 * daemon falls back on the run logs alone.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";

export const DAEMON_STATE_FILE = ".daemon-state.json";
/** Reported abandoned runs remembered; older ones are no longer found by the start-up scan anyway. */
const REPORTED_KEPT = 1000;

export interface ActiveRunRecord {
  job: string;
  run: string;
}

export interface DaemonState {
  pid: number;
  host: string;
  started_at: string;
  /** Last heartbeat written, ISO. */
  alive_at: string;
  /** Set by a clean stop; null while running (or after a crash). */
  stopped_at: string | null;
  /** Per job, the latest scheduled time decided (fired, skipped or missed), epoch ms. */
  decided: Record<string, number>;
  active_runs: ActiveRunRecord[];
  reported_abandoned: string[];
}

/** The state written by the previous daemon, or undefined when there is none or it is unreadable. */
export function readDaemonState(path: string): DaemonState | undefined {
  let value: Partial<DaemonState>;
  try {
    value = JSON.parse(readFileSync(path, "utf8")) as Partial<DaemonState>;
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || typeof value.alive_at !== "string") return undefined;
  const decided: Record<string, number> = {};
  for (const [job, at] of Object.entries(value.decided ?? {})) if (Number.isFinite(at)) decided[job] = at;
  return {
    pid: Number(value.pid ?? 0),
    host: String(value.host ?? ""),
    started_at: String(value.started_at ?? value.alive_at),
    alive_at: value.alive_at,
    stopped_at: typeof value.stopped_at === "string" ? value.stopped_at : null,
    decided,
    active_runs: Array.isArray(value.active_runs) ? value.active_runs.filter((run) => typeof run?.job === "string" && typeof run.run === "string") : [],
    reported_abandoned: Array.isArray(value.reported_abandoned) ? value.reported_abandoned.filter((id) => typeof id === "string") : [],
  };
}

/** Replaces the state file atomically (write beside it, then rename), so a crash leaves the old or the new one. */
export function writeDaemonState(path: string, state: DaemonState): void {
  const trimmed = { ...state, reported_abandoned: state.reported_abandoned.slice(-REPORTED_KEPT) };
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(trimmed)}\n`);
  renameSync(temporary, path);
}
