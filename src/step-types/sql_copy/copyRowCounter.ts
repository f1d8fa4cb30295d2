/**
 * Counts the rows going through a COPY stream without parsing values, so progress can be
 * reported every `batch_size` rows. Text format: one row per newline (newlines inside values are
 * escaped as `\n`). Binary format: walks tuple headers and field lengths across chunk boundaries.
 */

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

const SIGNATURE_AND_FLAGS = 11 + 4;

/** PGCOPY binary: header, then tuples of (int16 field count, per field int32 length + bytes), then -1. */
export function binaryRowCounter(): RowCounter {
  let rows = 0;
  let stage: "header" | "extension" | "tuple" | "length" | "data" | "done" = "header";
  let carry = Buffer.alloc(0);
  let skip = 0;
  let fieldsLeft = 0;

  return {
    get rows() {
      return rows;
    },
    count(chunk) {
      const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let position = 0;
      /** The next `size` bytes, joining what an earlier chunk left; undefined when not all here yet. */
      const take = (size: number): Buffer | undefined => {
        const available = carry.length + buffer.length - position;
        if (available < size) {
          carry = Buffer.concat([carry, buffer.subarray(position)]);
          position = buffer.length;
          return undefined;
        }
        const fromChunk = size - carry.length;
        const bytes = carry.length ? Buffer.concat([carry, buffer.subarray(position, position + fromChunk)]) : buffer.subarray(position, position + fromChunk);
        position += fromChunk;
        carry = Buffer.alloc(0);
        return bytes;
      };
      while (position < buffer.length && stage !== "done") {
        switch (stage) {
          case "header": {
            const header = take(SIGNATURE_AND_FLAGS + 4);
            if (!header) return;
            skip = header.readInt32BE(SIGNATURE_AND_FLAGS);
            stage = "extension";
            break;
          }
          case "extension":
          case "data": {
            const taken = Math.min(skip, buffer.length - position);
            position += taken;
            skip -= taken;
            if (skip > 0) return;
            stage = stage === "data" && fieldsLeft > 0 ? "length" : "tuple";
            break;
          }
          case "tuple": {
            const count = take(2);
            if (!count) return;
            const fields = count.readInt16BE(0);
            if (fields === -1) {
              stage = "done";
              break;
            }
            rows++;
            fieldsLeft = fields;
            stage = fields > 0 ? "length" : "tuple";
            break;
          }
          case "length": {
            const length = take(4);
            if (!length) return;
            fieldsLeft--;
            skip = Math.max(0, length.readInt32BE(0));
            stage = "data";
            break;
          }
        }
      }
    },
  };
}
