/**
 * PostgreSQL's binary COPY format (PGCOPY), walked as it streams by: an 11-byte signature, int32
 * flags, an int32 extension length and the extension; then tuples of an int16 field count and, per
 * field, an int32 length (-1 for NULL) and that many bytes; then an int16 -1. sql_copy counts the
 * rows of a copy with it; PGlite's copyIn cuts its input after whole tuples with it.
 *
 * Only lengths are read, in place; bytes are carried over only when a length straddles two
 * chunks, so scanning costs next to nothing beside the copy itself (1M rows: ~30 ms of CPU,
 * test/bench/copy.mjs).
 */

const SIGNATURE_AND_FLAGS = 11 + 4;
const HEADER_SIZE = SIGNATURE_AND_FLAGS + 4;
const EMPTY = Buffer.alloc(0);

export class BinaryCopyScanner {
  /** Whole tuples seen. */
  rows = 0;
  /** Stream offset just after the header (signature, flags, extension); 0 until it is seen. */
  headerEnd = 0;
  /** Stream offset just after the last whole tuple, or after the header before the first; 0 before the header. */
  lastRowEnd = 0;
  /** Stream offset of the trailer once it is seen: the data ends there, whatever follows. */
  dataEnd: number | undefined;
  #stage: "header" | "extension" | "skip" | "tuple" | "length" | "done" = "header";
  #carry: Buffer = EMPTY;
  #skip = 0;
  #fieldsLeft = 0;
  /** Stream offset of the chunk being scanned. */
  #offset = 0;

  /** Reads the next chunk of the stream. */
  scan(chunk: Uint8Array): void {
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const end = buffer.length;
    const offset = this.#offset;
    this.#offset += end;
    let position = 0;
    while (position < end && this.#stage !== "done") {
      if (this.#stage === "tuple" && this.#carry.length === 0) {
        const stopped = this.#wholeTuples(buffer, position, offset);
        // Else the tuple at `position` goes on in the next chunk: the steps below carry it over.
        if (stopped !== position) {
          position = stopped;
          continue;
        }
      }
      if (this.#stage === "skip" || this.#stage === "extension") {
        const taken = Math.min(this.#skip, end - position);
        position += taken;
        this.#skip -= taken;
        if (this.#skip > 0) return;
        if (this.#stage === "extension") this.#headerDone(offset + position);
        else if (this.#fieldsLeft > 0) this.#stage = "length";
        else this.#tupleDone(offset + position);
        continue;
      }
      const size = this.#stage === "header" ? HEADER_SIZE : this.#stage === "tuple" ? 2 : 4;
      let bytes: Buffer;
      let at: number;
      if (this.#carry.length === 0 && end - position >= size) {
        bytes = buffer;
        at = position;
        position += size;
      } else {
        const needed = size - this.#carry.length;
        if (end - position < needed) {
          this.#carry = Buffer.concat([this.#carry, buffer.subarray(position)]);
          return;
        }
        bytes = Buffer.concat([this.#carry, buffer.subarray(position, position + needed)]);
        at = 0;
        position += needed;
        this.#carry = EMPTY;
      }
      if (this.#stage === "header") {
        this.#skip = bytes.readInt32BE(at + SIGNATURE_AND_FLAGS);
        if (this.#skip > 0) this.#stage = "extension";
        else this.#headerDone(offset + position);
      } else if (this.#stage === "tuple") {
        const fields = bytes.readInt16BE(at);
        if (fields === -1) {
          this.dataEnd = offset + position - 2;
          this.#stage = "done";
        } else if (fields <= 0) this.#tupleDone(offset + position);
        else {
          this.#fieldsLeft = fields;
          this.#stage = "length";
        }
      } else {
        this.#fieldsLeft--;
        this.#skip = Math.max(0, bytes.readInt32BE(at));
        if (this.#skip > 0) this.#stage = "skip";
        else if (this.#fieldsLeft > 0) this.#stage = "length";
        else this.#tupleDone(offset + position);
      }
    }
  }

  /**
   * The tuples wholly inside `buffer` from `position` on, walked in one tight loop (the state
   * machine in `scan` costs ~7 steps a row): returns where the first tuple not wholly inside begins.
   */
  #wholeTuples(buffer: Buffer, position: number, offset: number): number {
    const end = buffer.length;
    let rows = 0;
    while (position + 2 <= end) {
      const fields = ((buffer[position]! << 24) | (buffer[position + 1]! << 16)) >> 16;
      if (fields === -1) {
        this.dataEnd = offset + position;
        this.#stage = "done";
        this.#counted(rows, offset, position);
        return position + 2;
      }
      let next = position + 2;
      for (let field = 0; field < fields && next <= end; field++) {
        if (next + 4 > end) return this.#counted(rows, offset, position);
        const length = (buffer[next]! << 24) | (buffer[next + 1]! << 16) | (buffer[next + 2]! << 8) | buffer[next + 3]!;
        next += 4 + Math.max(0, length);
      }
      if (next > end) return this.#counted(rows, offset, position);
      rows++;
      position = next;
    }
    return this.#counted(rows, offset, position);
  }

  /** Adds `rows` whole tuples ending at `position`, and returns it. */
  #counted(rows: number, offset: number, position: number): number {
    if (rows > 0) {
      this.rows += rows;
      this.lastRowEnd = offset + position;
    }
    return position;
  }

  #headerDone(at: number): void {
    this.headerEnd = at;
    this.lastRowEnd = at;
    this.#stage = "tuple";
  }

  #tupleDone(at: number): void {
    this.rows++;
    this.lastRowEnd = at;
    this.#stage = "tuple";
  }
}
