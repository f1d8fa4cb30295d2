/**
 * Terminal output: colour only on a TTY, never with NO_COLOR (FORCE_COLOR turns it on). Every
 * write to stdout and stderr goes through here, and so does what happens when their reader goes
 * away (`nomaflow show RUN | head -1`).
 */
import { Chalk, type ChalkInstance } from "chalk";

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Styles for stdout. */
  style: ChalkInstance;
  /** Styles for stderr. */
  errStyle: ChalkInstance;
}

export interface OutputOptions {
  /** @default process.stdout */
  stdout?: NodeJS.WriteStream;
  /** @default process.stderr */
  stderr?: NodeJS.WriteStream;
  /**
   * What a write does once stdout has no reader. `stop`: it throws StdoutClosed, which ends a
   * read-only command quietly, as Unix tools end. `drop`: the text is dropped, so a run goes on to
   * its end and writes its log; its status is still the exit status.
   * @default "stop"
   */
  whenStdoutCloses?: "stop" | "drop";
}

/** Thrown by `out` once stdout cannot be written (the reader went away); main ends the command with it. */
export class StdoutClosed extends Error {
  constructor(cause: Error) {
    super(`cannot write to stdout: ${cause.message}`, { cause });
    this.name = "StdoutClosed";
  }

  /** EPIPE is the reader having gone, which is normal (`| head`); anything else is worth a line. */
  get quiet(): boolean {
    return (this.cause as NodeJS.ErrnoException).code === "EPIPE";
  }
}

/** Why a stream can no longer be written, once it cannot. */
const streamErrors = new WeakMap<NodeJS.WritableStream, Error>();
const watchedStreams = new WeakSet<NodeJS.WritableStream>();

/**
 * Node reports a failed write (EPIPE) as an 'error' event, which crashes the process when nobody
 * listens: this listener keeps the error instead. It also covers the writers that use the stream
 * directly (the daemon's log, the live timeline).
 */
function watch(stream: NodeJS.WritableStream): void {
  if (watchedStreams.has(stream)) return;
  watchedStreams.add(stream);
  stream.on("error", (error: Error) => {
    if (!streamErrors.has(stream)) streamErrors.set(stream, error);
  });
}

/** The write error is reported on the next tick; a destroyed stream is already known to be gone. */
function closedBecause(stream: NodeJS.WriteStream): Error | undefined {
  return streamErrors.get(stream) ?? (stream.destroyed ? Object.assign(new Error("stream closed"), { code: "EPIPE" }) : undefined);
}

export function colorEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false") return true;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

/** Text folded to fit is folded to the terminal's width; elsewhere (a file, a pipe) to this many columns. */
const WIDTH_OFF_TERMINAL = 100;

export function textWidth(stream: NodeJS.WriteStream = process.stdout): number {
  return stream.isTTY && stream.columns > 0 ? stream.columns : WIDTH_OFF_TERMINAL;
}

const line = (text: string) => (text.endsWith("\n") ? text : `${text}\n`);

export function createOutput({ stdout = process.stdout, stderr = process.stderr, whenStdoutCloses = "stop" }: OutputOptions = {}): Output {
  watch(stdout);
  watch(stderr);
  return {
    out: (text) => {
      const closed = closedBecause(stdout);
      if (closed === undefined) stdout.write(line(text));
      else if (whenStdoutCloses === "stop") throw new StdoutClosed(closed);
    },
    // Nobody is left to tell when stderr is gone.
    err: (text) => {
      if (closedBecause(stderr) === undefined) stderr.write(line(text));
    },
    style: new Chalk({ level: colorEnabled(stdout) ? 1 : 0 }),
    errStyle: new Chalk({ level: colorEnabled(stderr) ? 1 : 0 }),
  };
}

export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}
