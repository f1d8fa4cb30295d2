/**
 * The daemon's own log: one line per event, on stdout (stderr for warnings and errors), readable
 * in journalctl as it is, or one JSON object a line for log shippers (`--log-format json`).
 *
 * Text:  `2026-11-28T01:00:00.012Z fired reporting-nightly-sync scheduled_for=2026-11-28T02:00:00+01:00 run=20261128T010000012Z-k3f9qa`
 * JSON:  `{"ts":"2026-11-28T01:00:00.012Z","level":"info","event":"fired","job":"reporting-nightly-sync","scheduled_for":"…","run":"…"}`
 *
 * Under systemd (JOURNAL_STREAM set), text lines start with the syslog priority (`<6>`, `<4>`,
 * `<3>`), which journald reads as the line's level and strips.
 */

export type DaemonLogFormat = "text" | "json";
export type DaemonLogLevel = "info" | "warn" | "error";
export type DaemonLogValue = string | number | boolean | null | undefined;
export type DaemonLogFields = Record<string, DaemonLogValue>;

export interface DaemonLogOptions {
  /** @default "text" */
  format?: DaemonLogFormat;
  /** Writes one line (with its newline) to stdout. */
  out: (line: string) => void;
  /** Writes one line (with its newline) to stderr. */
  err: (line: string) => void;
  /** @default Date.now */
  now?: () => number;
  /** Prefix text lines with their syslog priority. @default whether JOURNAL_STREAM is set */
  syslogPrefix?: boolean;
}

/**
 * Lines written in one turn of the event loop go out in one write: when a thousand jobs fire
 * together, a thousand writes to a pipe (synchronous on Linux) would delay the later fires.
 * Whatever is pending when the process exits is written then.
 */
export function batchLines(write: (text: string) => void): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    write(text);
  };
  process.on("exit", flush);
  return (line) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(line);
  };
}

const PRIORITY: Record<DaemonLogLevel, string> = { info: "<6>", warn: "<4>", error: "<3>" };

/** A value as `key=value` text: bare when it is one plain word, else JSON-quoted. */
function textValue(value: Exclude<DaemonLogValue, undefined>): string {
  const text = String(value);
  return typeof value === "string" && (text === "" || /[\s"=\\]/.test(text)) ? JSON.stringify(text) : text;
}

export class DaemonLog {
  readonly #format: DaemonLogFormat;
  readonly #out: (line: string) => void;
  readonly #err: (line: string) => void;
  readonly #now: () => number;
  readonly #syslogPrefix: boolean;

  constructor(options: DaemonLogOptions) {
    this.#format = options.format ?? "text";
    this.#out = options.out;
    this.#err = options.err;
    this.#now = options.now ?? Date.now;
    this.#syslogPrefix = options.syslogPrefix ?? Boolean(process.env.JOURNAL_STREAM);
  }

  info(event: string, job: string | null, fields: DaemonLogFields = {}): void {
    this.write("info", event, job, fields);
  }

  warn(event: string, job: string | null, fields: DaemonLogFields = {}): void {
    this.write("warn", event, job, fields);
  }

  error(event: string, job: string | null, fields: DaemonLogFields = {}): void {
    this.write("error", event, job, fields);
  }

  write(level: DaemonLogLevel, event: string, job: string | null, fields: DaemonLogFields): void {
    const line = formatDaemonLogLine(this.#format, { ts: new Date(this.#now()).toISOString(), level, event, job, fields });
    const prefixed = this.#format === "text" && this.#syslogPrefix ? `${PRIORITY[level]}${line}` : line;
    (level === "info" ? this.#out : this.#err)(`${prefixed}\n`);
  }
}

export interface DaemonLogRecord {
  ts: string;
  level: DaemonLogLevel;
  event: string;
  job: string | null;
  fields: DaemonLogFields;
}

/** One line, without its newline. Undefined fields are left out; null is written as null. */
export function formatDaemonLogLine(format: DaemonLogFormat, record: DaemonLogRecord): string {
  if (format === "json") {
    const object: Record<string, unknown> = { ts: record.ts, level: record.level, event: record.event };
    if (record.job !== null) object.job = record.job;
    for (const key in record.fields) if (record.fields[key] !== undefined) object[key] = record.fields[key];
    return JSON.stringify(object);
  }
  let line = `${record.ts} ${record.event}`;
  if (record.job !== null) line += ` ${record.job}`;
  for (const key in record.fields) {
    const value = record.fields[key];
    if (value !== undefined) line += ` ${key}=${textValue(value)}`;
  }
  return line;
}
