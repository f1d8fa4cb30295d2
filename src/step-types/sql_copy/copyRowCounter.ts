/**
 * Counts the rows going through a COPY stream, so progress can be reported every `batch_size`
 * rows. Where the stream counts its rows itself (a PostgreSQL server sends a message per row),
 * that count is taken and the data is not read. Else, without parsing values: text format, one
 * row per newline (newlines inside values are escaped as `\n`); binary format, tuple headers and
 * field lengths walked across chunk boundaries.
 */
import { BinaryCopyScanner } from "../../connectors/binaryCopyScanner.js";

export interface RowCounter {
  readonly rows: number;
  /** Counts the rows of `chunk`, or takes `counted`: the stream's own count of its rows so far. */
  count(chunk: Uint8Array, counted?: number): void;
}

function rowCounter(countIn: (chunk: Uint8Array) => number): RowCounter {
  let rows = 0;
  return {
    get rows() {
      return rows;
    },
    count(chunk, counted) {
      rows = counted ?? rows + countIn(chunk);
    },
  };
}

export function textRowCounter(): RowCounter {
  return rowCounter((chunk) => {
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let rows = 0;
    for (let index = buffer.indexOf(0x0a); index !== -1; index = buffer.indexOf(0x0a, index + 1)) rows++;
    return rows;
  });
}

/** PGCOPY binary: whole tuples, as the connectors' scanner finds them. */
export function binaryRowCounter(): RowCounter {
  const scanner = new BinaryCopyScanner();
  return rowCounter((chunk) => {
    const before = scanner.rows;
    scanner.scan(chunk);
    return scanner.rows - before;
  });
}
