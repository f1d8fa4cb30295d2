/**
 * Seconds the runs going get to finish after SIGTERM before they are interrupted, unless
 * `nomaflow daemon --grace` says otherwise; the systemd unit gives the daemon this and 30 s more.
 * Its own module so that the CLI can show it in `--help` without loading the daemon.
 */
export const DEFAULT_STOP_GRACE_SECONDS = 30;
