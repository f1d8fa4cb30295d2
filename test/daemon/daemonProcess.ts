/** The real `nomaflow daemon` (the built bin) as a child process, with its JSON log lines collected as they come. */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RunEvent } from "../../src/run-logs/runEvents.js";
import { BIN } from "../support/tempProject.js";

export interface DaemonLine {
  ts: string;
  level: string;
  event: string;
  job?: string;
  [field: string]: unknown;
}

export interface DaemonProcess {
  child: ChildProcess;
  lines: DaemonLine[];
  /** Raw output, for failure messages. */
  output(): string;
  /** The lines of one event (and job). */
  events(event: string, job?: string): DaemonLine[];
  /** Resolves with the first line matching, waiting up to `timeoutMs`. */
  waitFor(match: (line: DaemonLine) => boolean, timeoutMs?: number): Promise<DaemonLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `env`: variables added to the test's own (a host's settings, e.g. the state store's URL). */
export function startDaemon(root: string, args: string[] = [], options: { env?: Record<string, string> } = {}): DaemonProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...options.env };
  for (const name of ["FORCE_COLOR", "NOTIFY_SOCKET", "JOURNAL_STREAM", "WATCHDOG_USEC", "NOMAFLOW_RUNS_DIR"]) delete env[name];
  const child = spawn(process.execPath, [BIN, "daemon", "-C", root, "--log-format", "json", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: DaemonLine[] = [];
  let raw = "";
  const waiters = new Set<() => void>();
  const take = (stream: NodeJS.ReadableStream) => {
    let pending = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      raw += chunk;
      pending += chunk;
      const parts = pending.split("\n");
      pending = parts.pop()!;
      for (const part of parts) {
        try {
          lines.push(JSON.parse(part) as DaemonLine);
        } catch {
          lines.push({ ts: "", level: "raw", event: "raw", text: part });
        }
      }
      for (const waiter of [...waiters]) waiter();
    });
  };
  take(child.stdout!);
  take(child.stderr!);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    output: () => raw,
    events: (event, job) => lines.filter((line) => line.event === event && (job === undefined || line.job === job)),
    waitFor: (match, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching daemon log line within ${timeoutMs} ms; output:\n${raw}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    exited,
  };
}

/** Every event of every run log of a job, per run, oldest run first. */
export function runLogs(root: string, job: string): RunEvent[][] {
  const folder = join(root, "runs", job);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((file) => file.endsWith(".ndjson"))
    .sort()
    .map((file) =>
      readFileSync(join(folder, file), "utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as RunEvent),
    );
}

/** `ss mm hh` of an instant in UTC, for a 6-field cron that fires once a day at exactly that second. */
export function secondOfDay(ms: number): string {
  const date = new Date(ms);
  return `${date.getUTCSeconds()} ${date.getUTCMinutes()} ${date.getUTCHours()}`;
}
