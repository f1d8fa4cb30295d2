/**
 * Cuts a stream of COPY data into pieces of whole rows, each a valid COPY input on its own, so
 * PGlite (which reads COPY input from one Blob) can load a table of any size a few megabytes at a
 * time. Rows end where PostgreSQL's own COPY reader says they do (copyfromparse.c):
 * - text: at a newline, except one escaped by a backslash; `\.` alone on a line ends the data.
 *   The line ending (\n, \r\n or \r) is the first one seen, as PostgreSQL decides it;
 * - binary: after a tuple's last field; every piece gets the file header and a trailer.
 */
import { BinaryCopyScanner } from "../binaryCopyScanner.js";
import type { CopyFormat } from "../connector.js";

const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const BINARY_TRAILER = new Uint8Array([0xff, 0xff]);

/** Where rows end in a stream of COPY data; offsets count from the start of the stream. */
interface RowScanner {
  /** Reads the next bytes of the stream. */
  scan(bytes: Uint8Array): void;
  /** The stream has ended at `offset` (text: a last row may end there). */
  finish?(offset: number): void;
  /** Offset just after the last complete row seen; 0 before the first. */
  readonly lastRowEnd: number;
  /** Offset where the data ends before the stream does (`\.` or the binary trailer), once seen. */
  readonly dataEnd: number | undefined;
  /** Offset where the part every piece must start with (the binary header) ends; 0 if none. */
  readonly headerEnd: number;
}

/**
 * Pieces of about `pieceBytes` (more when one row is bigger), as lists of buffers. Input buffers
 * are sliced, not copied, and must not be reused by the producer after they are yielded.
 */
export async function* wholeRowPieces(data: AsyncIterable<Uint8Array>, format: CopyFormat, pieceBytes: number): AsyncGenerator<Uint8Array[]> {
  const binary = format === "binary";
  const scanner: RowScanner = binary ? new BinaryCopyScanner() : new TextRowScanner();
  const pending: Uint8Array[] = [];
  let pendingStart = 0; // stream offset of pending[0][0]
  let streamEnd = 0;
  let header: Uint8Array[] | undefined; // the binary header, repeated at the start of every piece after the first
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

  for await (const bytes of data) {
    if (bytes.byteLength === 0) continue;
    scanner.scan(bytes);
    pending.push(bytes);
    streamEnd += bytes.byteLength;
    if (scanner.dataEnd !== undefined) break;
    if (streamEnd - pendingStart >= pieceBytes && scanner.lastRowEnd > Math.max(pendingStart, scanner.headerEnd)) {
      yield piece(scanner.lastRowEnd, binary);
    }
  }
  if (scanner.dataEnd === undefined) scanner.finish?.(streamEnd);
  const end = scanner.dataEnd ?? streamEnd;
  if (pieces === 0 || end > pendingStart) {
    // Binary data cut short (no header, or inside a tuple) goes on as it is, for PostgreSQL to reject.
    yield piece(end, binary && scanner.headerEnd > 0 && scanner.lastRowEnd >= end);
  }
}

/** Text rows, byte by byte, as PostgreSQL's CopyReadLineText finds them. */
class TextRowScanner implements RowScanner {
  lastRowEnd = 0;
  dataEnd: number | undefined;
  readonly headerEnd = 0;
  #offset = 0;
  #lineEnding: "lf" | "crlf" | "cr" | undefined;
  #lineStart = 0;
  #afterBackslash = false;
  #afterCr = false;
  /** How much of `\.` the current line is so far (0 = something else). */
  #marker = 0;

  scan(bytes: Uint8Array): void {
    const offset = this.#offset;
    this.#offset += bytes.length;
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
      if (this.#afterBackslash) {
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
    this.lastRowEnd = position;
    this.#lineStart = position;
    this.#marker = 0;
  }
}
