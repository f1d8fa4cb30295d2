/**
 * Flags for the Node that runs the daemon, written into the systemd unit's ExecStart (and used by
 * `test/bench/daemon.mjs`, which starts the daemon as the unit does). V8 reads them only at start,
 * so the daemon cannot set them on itself.
 *
 * `--max-semi-space-size=4`: in a burst (a thousand runs fired at one time) V8 grows the young
 * generation to 32 MB and keeps it; capped at 4 MB a semi-space, the daemon benchmark's peak RSS
 * with 1,000 node steps fired together went from 158 to 145 MB (goal < 150 MB), its fire lateness
 * p99 staying under the 250 ms goal (2026-12-06). Node functions' worker threads cap their own
 * young generation (`nodeWorkerPool.ts`).
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4"];
