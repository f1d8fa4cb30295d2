/**
 * CopyDataFrames against COPY answers built byte by byte as the protocol lays them out, cut into
 * chunks anywhere (a header, a row, the end): the rows come out whole and in order, each counted
 * once, and what ends the copy is handed on from its first byte.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CopyDataFrames } from "../../../src/connectors/postgres/copyDataFrames.js";

function message(code: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(code, 0, "latin1");
  header.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

const COPY_OUT_RESPONSE = message("H", Buffer.from([0, 0, 1, 0, 0]));
const NOTICE = message("N", Buffer.from("SNOTICE\0Mhello\0\0", "latin1"));
const END = Buffer.concat([message("c", Buffer.alloc(0)), message("C", Buffer.from("COPY 3\0")), message("Z", Buffer.from("I"))]);

/** Walks `answer` cut at `cuts`, each chunk a copy of its own (the walker writes over it). */
function walk(answer: Buffer, cuts: number[]): { data: Buffer; end: Buffer | undefined; messages: number } {
  const frames = new CopyDataFrames();
  const data: Buffer[] = [];
  let end: Buffer | undefined;
  let previous = 0;
  for (const cut of [...new Set(cuts.map((cut) => cut % (answer.length + 1)))].sort((a, b) => a - b).concat(answer.length)) {
    if (end !== undefined) {
      end = Buffer.concat([end, answer.subarray(previous, cut)]);
    } else {
      const taken = frames.take(Buffer.from(answer.subarray(previous, cut)));
      data.push(Buffer.from(taken.data));
      end = taken.end === undefined ? undefined : Buffer.from(taken.end);
    }
    previous = cut;
  }
  return { data: Buffer.concat(data), end, messages: frames.messages };
}

describe("CopyDataFrames", () => {
  it("gives every row's bytes in order and counts each message once, however the answer is cut", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ row: fc.uint8Array({ maxLength: 300 }), noticeBefore: fc.boolean() }), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (rows, cuts) => {
          const answer = Buffer.concat([
            COPY_OUT_RESPONSE,
            ...rows.flatMap(({ row, noticeBefore }) => [...(noticeBefore ? [NOTICE] : []), message("d", Buffer.from(row))]),
            END,
          ]);
          const walked = walk(answer, cuts);
          expect(walked.data.equals(Buffer.concat(rows.map(({ row }) => Buffer.from(row))))).toBe(true);
          expect(walked.messages).toBe(rows.length);
          expect(walked.end?.equals(END)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("hands on an error from its first byte, after the rows before it", () => {
    const error = message("E", Buffer.from("SERROR\0C57014\0Mcanceling statement due to user request\0\0", "latin1"));
    const answer = Buffer.concat([COPY_OUT_RESPONSE, message("d", Buffer.from("1\tone\n")), error, message("Z", Buffer.from("I"))]);
    for (let size = 1; size <= answer.length; size++) {
      const walked = walk(
        answer,
        Array.from({ length: Math.ceil(answer.length / size) }, (_, index) => index * size),
      );
      expect(walked.data.toString()).toBe("1\tone\n");
      expect(walked.end?.equals(answer.subarray(answer.indexOf(error)))).toBe(true);
    }
  });

  it("walks one byte at a time", () => {
    const rows = [Buffer.alloc(0), Buffer.from("a"), Buffer.alloc(70_000, 7)];
    const answer = Buffer.concat([COPY_OUT_RESPONSE, ...rows.map((row) => message("d", row)), END]);
    const walked = walk(
      answer,
      Array.from({ length: answer.length }, (_, index) => index),
    );
    expect(walked.data.equals(Buffer.concat(rows))).toBe(true);
    expect(walked.messages).toBe(3);
    expect(walked.end?.equals(END)).toBe(true);
  });
});
