import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { binaryRowCounter, textRowCounter } from "../../../src/step-types/sql_copy/copyRowCounter.js";

/** A PGCOPY binary stream of `rows`, each a list of fields (null = SQL NULL). */
function binaryCopy(rows: Array<Array<Buffer | null>>, extension = Buffer.alloc(0)): Buffer {
  const parts: Buffer[] = [Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"), Buffer.alloc(4), Buffer.alloc(4)];
  parts[2]!.writeInt32BE(extension.length);
  parts.push(extension);
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const field of row) {
      const length = Buffer.alloc(4);
      length.writeInt32BE(field === null ? -1 : field.length);
      parts.push(length);
      if (field) parts.push(field);
    }
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  parts.push(trailer);
  return Buffer.concat(parts);
}

function countInChunks(counter: ReturnType<typeof binaryRowCounter>, data: Buffer, cuts: number[]): number {
  let previous = 0;
  for (const cut of [...new Set(cuts.map((cut) => cut % (data.length + 1)))].sort((a, b) => a - b).concat(data.length)) {
    counter.count(data.subarray(previous, cut));
    previous = cut;
  }
  return counter.rows;
}

describe("binaryRowCounter", () => {
  it("counts the tuples of any binary COPY stream, however it is cut into chunks", () => {
    const field = fc.option(
      fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
      { nil: null },
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { maxLength: 6 }), { maxLength: 60 }),
        fc.uint8Array({ maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (rows, extension, cuts) => {
          const data = binaryCopy(rows, Buffer.from(extension));
          expect(countInChunks(binaryRowCounter(), data, cuts)).toBe(rows.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("counts one byte at a time", () => {
    const data = binaryCopy([[Buffer.from("a"), null], [], [Buffer.alloc(70_000)]]);
    const counter = binaryRowCounter();
    for (let index = 0; index < data.length; index++) counter.count(data.subarray(index, index + 1));
    expect(counter.rows).toBe(3);
  });
});

describe("textRowCounter", () => {
  it("counts lines (escaped newlines inside values are not lines)", () => {
    const counter = textRowCounter();
    counter.count(Buffer.from("1\ta\\nb\n2\t"));
    counter.count(Buffer.from("c\n"));
    expect(counter.rows).toBe(2);
  });
});

describe("a stream that counts its own rows", () => {
  it("is taken at its word: the data is not read", () => {
    const counter = binaryRowCounter();
    counter.count(Buffer.from("not PGCOPY at all"), 41);
    expect(counter.rows).toBe(41);
    counter.count(new Uint8Array(0), 42);
    expect(counter.rows).toBe(42);
  });
});
