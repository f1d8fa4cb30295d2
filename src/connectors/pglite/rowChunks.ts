/**
 * Cuts a stream of COPY data into pieces of whole rows, each a valid COPY input on its own, so
 * PGlite (which reads COPY input from one Blob) can load a table of any size a few megabytes at a
 * time. Rows end where PostgreSQL's own COPY reader says they do (copyfromparse.c):
 * - text: at a newline, except one escaped by a backslash; `\.` alone on a line ends the data;
 * - csv: at a newline outside quotes (QUOTE and ESCAPE as the statement sets them);
 * - binary: after a tuple's last field; every piece gets the file header and a trailer.
 * The line ending (\n, \r\n or \r) is the first one seen, as PostgreSQL decides it.
 * With HEADER, the header line is repeated at the start of every later piece.
 */
import type { CopyLayout } from "./copyStatement.js";

const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const BINARY_TRAILER = new Uint8Array([0xff, 0xff]);

interface RowScanner {
  /** Reads `bytes`, which start at stream offset `offset`. */
  scan(bytes: Uint8Array, offset: number): void;
  /** The stream has ended at `offset`. */
  finish(offset: number): void;
  /** Offset just after the last complete row seen; 0 before the first. */
  readonly lastRowEnd: number;
  /** Offset where the data ends before the stream does (`\.` or the binary trailer), once seen. */
  readonly dataEnd: number | undefined;
  /** Offset where the part every piece must start with ends (header line, binary header); 0 if none. */
  readonly headerEnd: number;
}

/**
 * Pieces of about `pieceBytes` (more when one row is bigger), as lists of buffers. Input buffers
 * are sliced, not copied, and must not be reused by the producer after they are yielded.
 */
export async function* wholeRowPieces(data: AsyncIterable<Uint8Array>, layout: CopyLayout, pieceBytes: number): AsyncGenerator<Uint8Array[]> {
  const scanner = layout.format === "binary" ? new BinaryTupleScanner() : new TextRowScanner(layout);
  const pending: Uint8Array[] = [];
  let pendingStart = 0; // stream offset of pending[0][0]
  let streamEnd = 0;
  let header: Uint8Array[] | undefined; // repeated at the start of every piece after the first
  let pieces = 0;

  /** Takes the pending bytes before stream offset `end` out of `pending`. */
  const take = (end: number): Uint8Array[] => {
    const taken: Uint8Array[] = [];
    while (pendingStart < end) {
      const first = pending[0]!;
      const count = Math.min(first.byteLength, end - pendingStart);
      taken.push(first.subarray(0, count));
      if (count === first.byteLength) pending.shift();
      else pending[0] = first.subarray(count);
      pendingStart += count;
    }
    return taken;
  };

  const piece = (end: number, trailer: boolean): Uint8Array[] => {
    if (pieces === 0 && scanner.headerEnd > 0) header = take(scanner.headerEnd).map((bytes) => bytes.slice());
    pieces++;
    const parts = header ? [...header, ...take(end)] : take(end);
    // The input's own trailer (if any) is left out: each piece gets one.
    return trailer ? [...parts, BINARY_TRAILER] : parts;
  };
  const binary = layout.format === "binary";

  for await (const bytes of data) {
    if (bytes.byteLength === 0) continue;
    scanner.scan(bytes, streamEnd);
    pending.push(bytes);
    streamEnd += bytes.byteLength;
    if (scanner.dataEnd !== undefined) break;
    if (streamEnd - pendingStart >= pieceBytes && scanner.lastRowEnd > Math.max(pendingStart, scanner.headerEnd)) {
      yield piece(scanner.lastRowEnd, binary);
    }
  }
  if (scanner.dataEnd === undefined) scanner.finish(streamEnd);
  const end = scanner.dataEnd ?? streamEnd;
  if (pieces === 0 || end > pendingStart) {
    // Binary data cut short (no header, or inside a tuple) goes on as it is, for PostgreSQL to reject.
    yield piece(end, binary && scanner.headerEnd > 0 && scanner.lastRowEnd >= end);
  }
}

/** Text and CSV rows, byte by byte, as PostgreSQL's CopyReadLineText finds them. */
class TextRowScanner implements RowScanner {
  lastRowEnd = 0;
  dataEnd: number | undefined;
  headerEnd = 0;
  readonly #csv: boolean;
  readonly #quote: number;
  readonly #escape: number;
  readonly #header: boolean;
  #lineEnding: "lf" | "crlf" | "cr" | undefined;
  #lineStart = 0;
  #inQuote = false;
  #lastWasEscape = false;
  #afterBackslash = false;
  #afterCr = false;
  /** Text format: how much of `\.` the current line is so far (0 = something else). */
  #marker = 0;

  constructor(layout: CopyLayout) {
    this.#csv = layout.format === "csv";
    this.#quote = layout.quote;
    // PostgreSQL ignores ESCAPE when it is the quote character: a doubled quote toggles twice.
    this.#escape = layout.escape === layout.quote ? -1 : layout.escape;
    this.#header = layout.header;
  }

  scan(bytes: Uint8Array, offset: number): void {
    for (let index = 0; index < bytes.length; index++) {
      const byte = bytes[index]!;
      const position = offset + index;
      if (this.#afterCr) {
        this.#afterCr = false;
        if (byte === LF) {
          this.#lineEnding ??= "crlf";
          this.#rowEnd(position + 1);
          continue;
        }
        this.#lineEnding ??= "cr";
        if (this.#lineEnding === "cr") this.#rowEnd(position);
      }
      if (this.#csv) {
        if (this.#inQuote && byte === this.#escape) this.#lastWasEscape = !this.#lastWasEscape;
        if (byte === this.#quote && !this.#lastWasEscape) this.#inQuote = !this.#inQuote;
        if (byte !== this.#escape) this.#lastWasEscape = false;
        if (this.#inQuote) continue;
      } else if (this.#afterBackslash) {
        this.#afterBackslash = false;
        this.#marker = this.#marker === 1 && byte === DOT ? 2 : 0;
        continue;
      } else if (byte === BACKSLASH) {
        this.#afterBackslash = true;
        this.#marker = position === this.#lineStart ? 1 : 0;
        continue;
      }
      if (byte === LF || byte === CR) {
        if (this.#marker === 2) {
          this.dataEnd = this.#lineStart;
          return;
        }
        if (byte === CR) this.#afterCr = true;
        else {
          this.#lineEnding ??= "lf";
          this.#rowEnd(position + 1);
        }
      } else this.#marker = 0;
    }
  }

  finish(offset: number): void {
    if (this.#marker === 2) this.dataEnd = this.#lineStart;
    else if (this.#afterCr && (this.#lineEnding ?? "cr") === "cr") this.#rowEnd(offset);
  }

  #rowEnd(position: number): void {
    if (this.lastRowEnd === 0 && this.#header) this.headerEnd = position;
    this.lastRowEnd = position;
    this.#lineStart = position;
    this.#marker = 0;
  }
}

/** PGCOPY: 11-byte signature, int32 flags, int32 extension length and extension, then tuples of (int16 field count, per field int32 length + bytes), then int16 -1. */
class BinaryTupleScanner implements RowScanner {
  lastRowEnd = 0;
  dataEnd: number | undefined;
  headerEnd = 0;
  #stage: "header" | "extension" | "count" | "length" | "data" | "done" = "header";
  #need = 19;
  readonly #small = new Uint8Array(19);
  #have = 0;
  #skip = 0;
  #fieldsLeft = 0;
  readonly #view = new DataView(this.#small.buffer);

  scan(bytes: Uint8Array, offset: number): void {
    let index = 0;
    while (index < bytes.length && this.#stage !== "done") {
      if (this.#stage === "data" || this.#stage === "extension") {
        const count = Math.min(this.#skip, bytes.length - index);
        index += count;
        this.#skip -= count;
        if (this.#skip === 0) {
          if (this.#stage === "extension") this.#headerDone(offset + index);
          else this.#fieldDone(offset + index);
        }
        continue;
      }
      const count = Math.min(this.#need - this.#have, bytes.length - index);
      this.#small.set(bytes.subarray(index, index + count), this.#have);
      this.#have += count;
      index += count;
      if (this.#have < this.#need) break;
      this.#have = 0;
      const view = this.#view;
      const position = offset + index;
      if (this.#stage === "header") {
        this.#skip = view.getUint32(15);
        if (this.#skip > 0) this.#stage = "extension";
        else this.#headerDone(position);
      } else if (this.#stage === "count") {
        const fields = view.getInt16(0);
        if (fields === -1) {
          this.dataEnd = position - 2;
          this.#stage = "done";
        } else if (fields === 0) this.lastRowEnd = position;
        else {
          this.#fieldsLeft = fields;
          this.#expect("length", 4);
        }
      } else {
        const length = view.getInt32(0);
        if (length > 0) {
          this.#skip = length;
          this.#stage = "data";
        } else this.#fieldDone(position);
      }
    }
  }

  finish(): void {}

  #headerDone(position: number): void {
    this.headerEnd = position;
    this.lastRowEnd = position;
    this.#expect("count", 2);
  }

  #fieldDone(position: number): void {
    if (--this.#fieldsLeft > 0) this.#expect("length", 4);
    else {
      this.lastRowEnd = position;
      this.#expect("count", 2);
    }
  }

  #expect(stage: "count" | "length", bytes: number): void {
    this.#stage = stage;
    this.#need = bytes;
  }
}
