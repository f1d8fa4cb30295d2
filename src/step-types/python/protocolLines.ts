/**
 * The protocol pipe's lines. Unlike LineSplitter (outputLines.ts), which cuts long lines for the
 * log, a protocol line is one JSON message and is never cut, however long (a big result).
 */
export class ProtocolLines {
  readonly #onLine: (line: string) => void;
  #chunks: Buffer[] = [];

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  write(chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(10);
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline);
      const line = this.#chunks.length ? Buffer.concat([...this.#chunks, piece]) : piece;
      this.#chunks = [];
      // Splitting at a newline byte is safe in UTF-8: it is never part of another character.
      if (line.length) this.#onLine(line.toString("utf8"));
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    if (start < chunk.length) this.#chunks.push(chunk.subarray(start));
  }

  /** Text after the last newline: a message cut short by the process ending. */
  rest(): string {
    const rest = Buffer.concat(this.#chunks).toString("utf8");
    this.#chunks = [];
    return rest;
  }
}
