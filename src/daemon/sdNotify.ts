/**
 * sd_notify(3) without a native addon. Node cannot send a unix datagram, so each message goes
 * through systemd-notify(1), which ships with systemd itself:
 *
 * - `--pid=<our pid>` makes it send with our pid in its credentials when it may (as root), and it
 *   adds `MAINPID=<our pid>`, so systemd supervises the Node process even behind a wrapper.
 * - Unprivileged, the message comes from systemd-notify's own pid, which systemd accepts with
 *   `NotifyAccess=all` (any process of the service's cgroup). systemd finds the cgroup from the
 *   sender's pid, so a sender that has already exited used to be dropped (systemd#2737); since
 *   systemd 246 systemd-notify waits (BARRIER=1) until the manager has read the message.
 * - Messages go one at a time, in order: READY=1 cannot overtake STOPPING=1.
 */
import { spawn, spawnSync } from "node:child_process";

/** The first systemd whose systemd-notify waits for its message to be read (sd_notify_barrier). */
export const SYSTEMD_NOTIFY_MIN_VERSION = 246;

/** Longest a systemd-notify may take; its own barrier gives up after 5 s. */
const SEND_TIMEOUT_MS = 10_000;
/** Past this many waiting messages, new ones are dropped: systemd is not reading them anyway. */
const MAX_QUEUED = 32;

const queue: string[] = [];
let sending = false;
let drained: Array<() => void> = [];
const warned = new Set<string>();

/**
 * Sends `state` (one or more `NAME=value` lines: `READY=1`, `STATUS=…`, `WATCHDOG=1`,
 * `STOPPING=1`, `RELOADING=1`) to the service manager. Does nothing when NOTIFY_SOCKET is unset.
 * Never throws and never waits: a failure is reported once as a process warning, since a
 * Type=notify service whose READY=1 is lost is killed by systemd at its start timeout.
 */
export function sdNotify(state: string): void {
  if (!process.env.NOTIFY_SOCKET) return;
  const lines = state.split("\n").filter((line) => line !== "");
  // systemd ties a reload to the moment it began; process.hrtime is CLOCK_MONOTONIC, as it asks.
  if (lines.includes("RELOADING=1") && !lines.some((line) => line.startsWith("MONOTONIC_USEC="))) {
    lines.push(`MONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`);
  }
  const message = lines.join("\n");
  // Another WATCHDOG=1 (or any same message) still waiting says the same thing.
  if (message === "" || queue.includes(message) || queue.length >= MAX_QUEUED) return;
  queue.push(message);
  if (!sending) void drain();
}

/** Resolves once every message sent so far has been handed over (or given up on). */
export function flushSdNotify(): Promise<void> {
  if (!sending && queue.length === 0) return Promise.resolve();
  return new Promise((resolve) => drained.push(resolve));
}

/**
 * How often to send WATCHDOG=1: half of systemd's `WatchdogSec=` (WATCHDOG_USEC), as sd_watchdog_enabled(3)
 * advises. Undefined when the watchdog is off, or meant for another process (WATCHDOG_PID).
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isSafeInteger(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

/**
 * Whether this machine's systemd can run the daemon as Type=notify reliably: systemd-notify is
 * there and waits for its message to be read (systemd 246 and later). Before that, a message sent
 * by a short-lived unprivileged child could be dropped, and a lost READY=1 fails the start. Runs
 * `systemd-notify --version`, so it is for one-off commands such as --print-systemd-unit.
 */
export function supportsTypeNotify(): boolean {
  const result = spawnSync("systemd-notify", ["--version"], { encoding: "utf8", timeout: 2000 });
  const version = result.status === 0 ? parseSystemdVersion(result.stdout) : undefined;
  return version !== undefined && version >= SYSTEMD_NOTIFY_MIN_VERSION;
}

/** `systemd 252 (252.38-1~deb12u1)` → 252. */
export function parseSystemdVersion(versionText: string): number | undefined {
  const match = /^systemd (\d+)/m.exec(versionText);
  return match ? Number(match[1]) : undefined;
}

async function drain(): Promise<void> {
  sending = true;
  for (let message = queue.shift(); message !== undefined; message = queue.shift()) await send(message);
  sending = false;
  const waiting = drained;
  drained = [];
  for (const resolve of waiting) resolve();
}

function send(message: string): Promise<void> {
  return new Promise((resolve) => {
    const what = message.split("\n")[0]!;
    let child: ReturnType<typeof spawn>;
    try {
      // `--` so that a value starting with "-" is not read as an option.
      child = spawn("systemd-notify", [`--pid=${process.pid}`, "--", ...message.split("\n")], { stdio: "ignore", env: process.env });
    } catch (error) {
      warnOnce("spawn", `cannot run systemd-notify to send ${what}: ${(error as Error).message}`);
      resolve();
      return;
    }
    // The child stays referenced, so a caller awaiting flushSdNotify() on its way out keeps the
    // event loop alive until STOPPING=1 is delivered; the timer bounds that wait.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      warnOnce("timeout", `systemd-notify did not finish sending ${what} within ${SEND_TIMEOUT_MS / 1000} s`);
    }, SEND_TIMEOUT_MS);
    timer.unref();
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const reason = error.code === "ENOENT" ? "systemd-notify is not installed (it comes with systemd)" : error.message;
      warnOnce("spawn", `cannot send ${what} to systemd: ${reason}; with Type=notify, systemd will stop the service at its start timeout`);
      resolve();
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal !== "SIGKILL") {
        warnOnce(
          "exit",
          `systemd-notify failed to send ${what} (${signal ?? `exit code ${code}`}); is NOTIFY_SOCKET (${process.env.NOTIFY_SOCKET}) reachable?`,
        );
      }
      resolve();
    });
  });
}

function warnOnce(kind: string, message: string): void {
  if (warned.has(kind)) return;
  warned.add(kind);
  process.emitWarning(message, { code: "NOMAFLOW_SD_NOTIFY" });
}
