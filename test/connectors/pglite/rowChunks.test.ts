/**
 * Where COPY input is cut for PGlite: only where PostgreSQL's COPY reader ends a row. Pieces of
 * one byte make every row its own piece, and input fed a byte at a time puts every buffer
 * boundary at every position, so each case checks every cut.
 */
import { describe, expect, it } from "vitest";
import type { CopyFormat } from "../../../src/connectors/connector.js";
import { wholeRowPieces } from "../../../src/connectors/pglite/rowChunks.js";

const text = "text";
const binary = "binary";

async function* byteAtATime(data: Buffer): AsyncGenerator<Uint8Array> {
  for (let index = 0; index < data.length; index++) yield data.subarray(index, index + 1);
}

/** Every piece, one row each, fed one byte at a time. */
async function pieces(data: string | Buffer, format: CopyFormat): Promise<string[]> {
  const result: string[] = [];
  for await (const parts of wholeRowPieces(byteAtATime(Buffer.from(data)), format, 1)) result.push(Buffer.concat(parts).toString("latin1"));
  return result;
}

describe("text", () => {
  it("ends rows at newlines not escaped by a backslash", async () => {
    expect(await pieces("1\ta\\\nb\n2\tc\\\\\n3\td\n", text)).toEqual(["1\ta\\\nb\n", "2\tc\\\\\n", "3\td\n"]);
  });

  it("takes the line ending from the first line: \\n, \\r\\n or \\r", async () => {
    expect(await pieces("1\r\n2\r\n", text)).toEqual(["1\r\n", "2\r\n"]);
    expect(await pieces("1\r2\r3", text)).toEqual(["1\r", "2\r", "3"]);
    expect(await pieces("1\n2", text)).toEqual(["1\n", "2"]);
  });

  it("stops at the end-of-data marker \\. alone on a line, whatever follows", async () => {
    expect(await pieces("1\n\\.\n2\n", text)).toEqual(["1\n"]);
    expect(await pieces("1\r\n\\.\r\n2\r\n", text)).toEqual(["1\r\n"]);
    expect(await pieces("1\n\\.", text)).toEqual(["1\n"]);
    // An escaped backslash then a dot, or a marker inside a line, is data.
    expect(await pieces("\\\\.\nx\\.\n", text)).toEqual(["\\\\.\n", "x\\.\n"]);
  });

  it("gives one empty piece for no data, so PostgreSQL still answers as for an empty COPY", async () => {
    expect(await pieces("", text)).toEqual([""]);
  });
});

describe("binary", () => {
  const header = (extension = Buffer.alloc(0)) => {
    const fixed = Buffer.alloc(19);
    Buffer.from("PGCOPY\n\xff\r\n\0", "latin1").copy(fixed);
    fixed.writeUInt32BE(extension.length, 15);
    return Buffer.concat([fixed, extension]);
  };
  const tuple = (...fields: (Buffer | null)[]) => {
    const parts: Buffer[] = [Buffer.from([fields.length >> 8, fields.length & 0xff])];
    for (const field of fields) {
      const length = Buffer.alloc(4);
      length.writeInt32BE(field === null ? -1 : field.length);
      parts.push(length, field ?? Buffer.alloc(0));
    }
    return Buffer.concat(parts);
  };
  const trailer = Buffer.from([0xff, 0xff]);
  const first = tuple(Buffer.from([0, 0, 0, 1]), Buffer.from("a\nb"));
  const second = tuple(null, Buffer.alloc(0));

  it("cuts after whole tuples, giving every piece the header and a trailer", async () => {
    const latin = (buffer: Buffer) => buffer.toString("latin1");
    expect(await pieces(Buffer.concat([header(), first, second, trailer]), binary)).toEqual([
      latin(Buffer.concat([header(), first, trailer])),
      latin(Buffer.concat([header(), second, trailer])),
    ]);
    const extended = header(Buffer.from("ext!"));
    expect(await pieces(Buffer.concat([extended, first, second]), binary)).toEqual([
      latin(Buffer.concat([extended, first, trailer])),
      latin(Buffer.concat([extended, second, trailer])),
    ]);
  });

  it("ignores what follows the trailer and passes a cut-short tuple on for PostgreSQL to reject", async () => {
    const latin = (buffer: Buffer) => buffer.toString("latin1");
    expect(await pieces(Buffer.concat([header(), first, trailer, Buffer.from("junk")]), binary)).toEqual([latin(Buffer.concat([header(), first, trailer]))]);
    expect(await pieces(Buffer.concat([header(), first, second.subarray(0, 5)]), binary)).toEqual([
      latin(Buffer.concat([header(), first, trailer])),
      latin(Buffer.concat([header(), second.subarray(0, 5)])),
    ]);
  });
});

it("makes pieces of about the size asked, from buffers of any size", async () => {
  const rows = Array.from({ length: 1000 }, (_, index) => `${index}\t${"x".repeat(index % 37)}\n`).join("");
  async function* oneBuffer() {
    yield Buffer.from(rows);
  }
  async function* smallBuffers() {
    yield* byteAtATime(Buffer.from(rows));
  }
  for (const source of [oneBuffer, smallBuffers]) {
    const sizes: number[] = [];
    const all: Buffer[] = [];
    for await (const parts of wholeRowPieces(source(), text, 1024)) {
      const piece = Buffer.concat(parts);
      sizes.push(piece.length);
      all.push(piece);
    }
    expect(Buffer.concat(all).toString()).toBe(rows);
    if (source === smallBuffers) expect(Math.max(...sizes)).toBeLessThan(1024 + 64);
  }
});
