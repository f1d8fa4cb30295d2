/**
 * How long ago something happened, in one unit, for a glance down a column: `3 s ago`,
 * `12 min ago`, `5 h ago`, `2 d ago`. Rounded down, so a heartbeat 59.9 s old never reads as a minute.
 */
export function formatAgo(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}
