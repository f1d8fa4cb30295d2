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
const HEADER_SIZE = SIGNATURE_AND_FLAGS + 4;
const EMPTY = Buffer.alloc(0);

/**
 * PGCOPY binary: header, then tuples of (int16 field count, per field int32 length + bytes), then
 * -1. Lengths are read in place; bytes are only carried over when a length straddles two chunks,
 * so counting costs next to nothing beside the copy itself (test/bench/copy.mjs).
 */
export function binaryRowCounter(): RowCounter {
  let rows = 0;
  let stage: "header" | "skip" | "tuple" | "length" | "done" = "header";
  let carry: Buffer = EMPTY;
  let skip = 0;
  let fieldsLeft = 0;

  /**
   * The tuples wholly inside `buffer` from `position` on, walked in one tight loop (the state
   * machine below costs ~7 steps a row): returns where the first tuple not wholly inside begins.
   */
  const wholeTuples = (buffer: Buffer, position: number): number => {
    const end = buffer.length;
    while (position + 2 <= end) {
      const fields = ((buffer[position]! << 24) | (buffer[position + 1]! << 16)) >> 16;
      if (fields === -1) {
        stage = "done";
        return position + 2;
      }
      let next = position + 2;
      for (let field = 0; field < fields && next <= end; field++) {
        if (next + 4 > end) return position;
        const length = (buffer[next]! << 24) | (buffer[next + 1]! << 16) | (buffer[next + 2]! << 8) | buffer[next + 3]!;
        next += 4 + Math.max(0, length);
      }
      if (next > end) return position;
      rows++;
      position = next;
    }
    return position;
  };

  return {
    get rows() {
      return rows;
    },
    count(chunk) {
      const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const end = buffer.length;
      let position = 0;
      while (position < end && stage !== "done") {
        if (stage === "tuple" && carry.length === 0) {
          const stopped = wholeTuples(buffer, position);
          // Else the tuple at `position` goes on in the next chunk: the steps below carry it over.
          if (stopped !== position) {
            position = stopped;
            continue;
          }
        }
        if (stage === "skip") {
          const taken = Math.min(skip, end - position);
          position += taken;
          skip -= taken;
          if (skip > 0) return;
          stage = fieldsLeft > 0 ? "length" : "tuple";
          continue;
        }
        const size = stage === "header" ? HEADER_SIZE : stage === "tuple" ? 2 : 4;
        let bytes: Buffer;
        let offset: number;
        if (carry.length === 0 && end - position >= size) {
          bytes = buffer;
          offset = position;
          position += size;
        } else {
          const needed = size - carry.length;
          if (end - position < needed) {
            carry = Buffer.concat([carry, buffer.subarray(position)]);
            return;
          }
          bytes = Buffer.concat([carry, buffer.subarray(position, position + needed)]);
          offset = 0;
          position += needed;
          carry = EMPTY;
        }
        if (stage === "header") {
          skip = bytes.readInt32BE(offset + SIGNATURE_AND_FLAGS);
          fieldsLeft = 0;
          stage = "skip";
        } else if (stage === "tuple") {
          const fields = bytes.readInt16BE(offset);
          if (fields === -1) {
            stage = "done";
          } else {
            rows++;
            fieldsLeft = fields;
            stage = fields > 0 ? "length" : "tuple";
          }
        } else {
          fieldsLeft--;
          skip = Math.max(0, bytes.readInt32BE(offset));
          stage = skip > 0 ? "skip" : fieldsLeft > 0 ? "length" : "tuple";
        }
      }
    },
  };
}
