/** Durations as people read them: `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 07 min`, `3 d 04 h`. */

const pad2 = (value: number) => String(value).padStart(2, "0");

/**
 * A duration in milliseconds, rounded down to the unit shown, so a run that took 59.99 s never
 * reads as "60.0 s" or "1 min 00 s" before it has.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.floor(ms)} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${pad2(seconds % 60)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ${pad2(minutes % 60)} min`;
  const hours = Math.floor(minutes / 60);
  return `${Math.floor(hours / 24)} d ${pad2(hours % 24)} h`;
}
