/** A command's output as it arrives: split into lines for the log, and its tail kept for the step output. */
import { StringDecoder } from "node:string_decoder";

/** A line longer than this is logged in pieces, so that output without newlines cannot grow memory. */
const MAX_LINE = 64 * 1024;

/** Calls `onLine` for each complete line (without its `\r\n` or `\n`); empty lines are skipped. */
export class LineSplitter {
  readonly #decoder = new StringDecoder("utf8");
  readonly #onLine: (line: string) => void;
  #partial = "";

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  write(chunk: Buffer): void {
    const lines = (this.#partial + this.#decoder.write(chunk)).split("\n");
    this.#partial = lines.pop() ?? "";
    for (const line of lines) this.#emit(line);
    while (this.#partial.length > MAX_LINE) {
      this.#emit(this.#partial.slice(0, MAX_LINE));
      this.#partial = this.#partial.slice(MAX_LINE);
    }
  }

  /** Emits a last line that had no newline. */
  end(): void {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = "";
    this.#emit(rest);
  }

  #emit(line: string): void {
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (text !== "") this.#onLine(text);
  }
}

/** Keeps the last `limit` bytes written. */
export class TailBuffer {
  readonly #limit: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #total = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  write(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#kept += chunk.length;
    this.#total += chunk.length;
    while (this.#chunks.length > 1 && this.#kept - this.#chunks[0]!.length >= this.#limit) {
      this.#kept -= this.#chunks.shift()!.length;
    }
  }

  /** More was written than is kept. */
  get truncated(): boolean {
    return this.#total > this.#limit;
  }

  /** The kept bytes as UTF-8, without a character cut in two at the start. */
  text(): string {
    let bytes = Buffer.concat(this.#chunks, this.#kept);
    if (bytes.length > this.#limit) bytes = bytes.subarray(bytes.length - this.#limit);
    let start = 0;
    // UTF-8 continuation bytes are 10xxxxxx; a cut character has at most three of them.
    while (this.truncated && start < 3 && start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
    return bytes.subarray(start).toString("utf8");
  }
}

/** The last few stderr lines of a process, each cut to a readable length, for a failure message. */
export class StderrTail {
  readonly #lines: string[] = [];

  constructor(
    private readonly count = 5,
    private readonly length = 500,
  ) {}

  push(line: string): void {
    this.#lines.push(line.length > this.length ? `${line.slice(0, this.length)} …` : line);
    if (this.#lines.length > this.count) this.#lines.shift();
  }

  /** `; last lines of stderr:` and the lines, indented; empty when there were none. */
  quoted(): string {
    return this.#lines.length ? `; last lines of stderr:\n${this.#lines.map((line) => `  ${line}`).join("\n")}` : "";
  }
}
