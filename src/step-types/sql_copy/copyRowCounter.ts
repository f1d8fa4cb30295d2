/**
 * Counts the rows going through a COPY stream without parsing values, so progress can be
 * reported every `batch_size` rows. Text format: one row per newline (newlines inside values are
 * escaped as `\n`). Binary format: walks tuple headers and field lengths across chunk boundaries.
 */
import { BinaryCopyScanner } from "../../connectors/binaryCopyScanner.js";

export interface RowCounter {
  readonly rows: number;
  count(chunk: Uint8Array): void;
}

export function textRowCounter(): RowCounter {
  let rows = 0;
  return {
    get rows() {
      return rows;
    },
    count(chunk) {
      const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (let index = buffer.indexOf(0x0a); index !== -1; index = buffer.indexOf(0x0a, index + 1)) rows++;
    },
  };
}

/** PGCOPY binary: whole tuples, as the connectors' scanner finds them. */
export function binaryRowCounter(): RowCounter {
  const scanner = new BinaryCopyScanner();
  return {
    get rows() {
      return scanner.rows;
    },
    count: (chunk) => scanner.scan(chunk),
  };
}
