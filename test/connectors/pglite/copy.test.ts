/**
 * COPY through the PGlite connector, against a real PGlite database in a temporary folder:
 * round trips byte for byte in text and binary, pieces much smaller than the data (the
 * output must not depend on the piece size), cancelling between pieces, and the caller's
 * transactions.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connector, CopyFormat, CopyIn, CopyOut, Session } from "../../../src/connectors/connector.js";
import { openPgliteConnector } from "../../../src/connectors/pglite/pgliteConnector.js";
import { ConnectorError } from "../../../src/errors/nomaflowError.js";
import { freshPgliteFolder } from "../../support/pgliteTemplate.js";

let root: string;
/** Pieces of 8 MiB: each copy below is one piece. */
let whole: Connector;
/** Pieces of 64 bytes: every copy below is many pieces. */
let tiny: Connector;
/** Pieces of 4 KiB, for the bigger table. */
let small: Connector;

const BIG_ROWS = 20_000;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "nomaflow-pglite-copy-"));
  await freshPgliteFolder(join(root, "db"));
  whole = openPgliteConnector("whole", join(root, "db"));
  tiny = openPgliteConnector("tiny", join(root, "db"), { copyChunkBytes: 64 });
  small = openPgliteConnector("small", join(root, "db"), { copyChunkBytes: 4096 });
  await whole.withSession((session) =>
    session.query(`
      create table source (id int primary key, label text, payload bytea, doc jsonb, tags text[], amount numeric, at timestamptz, big int8);
      insert into source values
        (1, E'tab\\there newline\\nthere backslash\\\\ cr\\r ünïcødé 🚀', '\\x00015c0a0d09ff'::bytea, '{"k": "v\\n\\"q\\"", "n": [1, 2.5, null]}',
            array['a,b', 'c"d', null, E'e\\\\f', '', 'NULL'], 12345678901234567890.123456789, '2024-03-31 01:30:00.123456+02', 9223372036854775807),
        (2, null, null, null, null, null, null, null),
        (3, E'\\\\.', ''::bytea, '[]', '{}', -0.000000001, 'infinity', -9223372036854775808),
        (4, E'"quoted, with comma"\\r\\nsecond line', '\\xdeadbeef', '"just a string"', array[E'tab\\tin array'], 'NaN', '1999-12-31 23:59:59.999999+00', 0),
        (5, '', '\\x', '{"": ""}', array[null]::text[], 0, '2000-01-01 00:00:00+14', 1);
      create table big (id int, body text);
      insert into big select g, 'row ' || g || repeat('x', g % 50) from generate_series(1, ${BIG_ROWS}) g;
    `),
  );
});

afterAll(async () => {
  await Promise.all([tiny.close(), small.close(), whole.close()]);
  await rm(root, { recursive: true, force: true });
});

async function collect(data: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; pieces: number }> {
  const pieces: Buffer[] = [];
  for await (const piece of data) pieces.push(Buffer.from(piece));
  return { bytes: Buffer.concat(pieces), pieces: pieces.length };
}

async function copyOut(connector: Connector, copy: CopyOut): Promise<Buffer> {
  return connector.withSession(async (session) => (await collect(session.copyOut(copy))).bytes);
}

const SOURCE_COLUMNS = ["id", "label", "payload", "doc", "tags", "amount", "at", "big"];
const BIG_COLUMNS = ["id", "body"];
/** A copy of `columns` of public.`name`, in text unless said. */
const table = (name: string, columns: string[], format: CopyFormat = "text"): CopyIn => ({ table: { schema: "public", name }, columns, format });
const query = (text: string, format: CopyFormat = "text"): CopyOut => ({ query: text, format });

/** `bytes` in slices of `size` bytes, as a stream would bring them. */
async function* slices(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

describe("round trips", () => {
  it.each(["text", "binary"] as const)("copies %s out and back in, byte for byte, whatever the piece size", async (format) => {
    const target = `target_${format}`;
    await whole.execute(`create table ${target} (like source)`);
    const out = await copyOut(whole, table("source", SOURCE_COLUMNS, format));
    expect(await copyOut(tiny, table("source", SOURCE_COLUMNS, format))).toEqual(out);
    expect(await copyOut(tiny, query("select * from source", format))).toEqual(out);
    // Input slices of 7 bytes cut rows, escapes and binary lengths anywhere.
    const copied = await tiny.withSession((session) => session.copyIn(table(target, SOURCE_COLUMNS, format), slices(out, 7)));
    expect(copied).toBe(5);
    expect(await copyOut(whole, table(target, SOURCE_COLUMNS, format))).toEqual(out);
    expect(await whole.fetch(`select * from ${target} order by id`)).toEqual(await whole.fetch("select * from source order by id"));
  });

  it("sends the binary header and trailer once", async () => {
    const binary = await copyOut(tiny, table("source", SOURCE_COLUMNS, "binary"));
    const signature = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
    expect(binary.subarray(0, signature.length)).toEqual(signature);
    expect(binary.indexOf(signature, 1)).toBe(-1);
    expect(binary.subarray(-2)).toEqual(Buffer.from([0xff, 0xff]));
  });

  it("writes what COPY writes: a table's columns without its child tables' rows, in the order asked", async () => {
    await whole.execute(`
      create table parent (a int, doubled int generated always as (a * 2) stored, "Mixed Case" text);
      create table child () inherits (parent);
      insert into parent (a, "Mixed Case") values (1, 'p');
      insert into child (a, "Mixed Case") values (2, 'c');`);
    expect((await copyOut(tiny, table("parent", ["a", "Mixed Case"]))).toString()).toBe("1\tp\n");
    expect((await copyOut(tiny, table("parent", ["Mixed Case", "a"]))).toString()).toBe("p\t1\n");
    expect((await copyOut(tiny, query("select id from big where id <= 5 order by id desc"))).toString()).toBe("5\n4\n3\n2\n1\n");
  });

  it("copies in one piece what cannot be read through a cursor: duplicate column names, data-modifying queries", async () => {
    expect((await copyOut(tiny, query("select 1 as a, 2 as a"))).toString()).toBe("1\t2\n");
    await whole.execute("create table log (id int)");
    expect((await copyOut(tiny, query("insert into log values (7), (8) returning id"))).toString()).toBe("7\n8\n");
    expect(await whole.scalar("select count(*) from log")).toBe(2);
  });

  it("says what went wrong: a missing table, bad input", async () => {
    await expect(copyOut(tiny, table("no_such_table", ["id"]))).rejects.toThrow('connector tiny: relation "public.no_such_table" does not exist');
    const bad = tiny.withSession((session) => session.copyIn(table("big", BIG_COLUMNS), slices(Buffer.from("1\tok\nnot a number\tx\n"), 100)));
    await expect(bad).rejects.toThrow(/connector tiny: invalid input syntax for type integer: "not a number"/);
    expect(await whole.scalar("select count(*) from big")).toBe(BIG_ROWS);
  });

  it("stops at the end-of-data marker `\\.` of text format, as one COPY would", async () => {
    await whole.execute("create table marked (id int, body text)");
    const data = Buffer.from("1\tbefore\n\\.\n2\tafter the marker\n");
    expect(await tiny.withSession((session) => session.copyIn(table("marked", BIG_COLUMNS), slices(data, 3)))).toBe(1);
    expect(await whole.fetch("select * from marked")).toEqual([{ id: 1, body: "before" }]);
  });
});

describe("pieces", () => {
  it("copies a table many pieces long completely and in order", async () => {
    const expected = Array.from({ length: BIG_ROWS }, (_, index) => `${index + 1}\trow ${index + 1}${"x".repeat((index + 1) % 50)}\n`).join("");
    const { bytes, pieces } = await small.withSession(async (session) => collect(session.copyOut(query("select * from big order by id"))));
    expect(pieces).toBeGreaterThan(50);
    expect(bytes.toString()).toBe(expected);
    expect((await copyOut(whole, query("select * from big order by id"))).toString()).toBe(expected);

    await whole.execute("create table big_copy (like big)");
    const loaded = await small.withSession((session) => session.copyIn(table("big_copy", BIG_COLUMNS), slices(bytes, 1000)));
    expect(loaded).toBe(BIG_ROWS);
    expect((await copyOut(whole, query("select * from big_copy order by id"))).toString()).toBe(expected);
  });

  it("cancels copyOut between pieces and leaves nothing behind", async () => {
    const controller = new AbortController();
    let pieces = 0;
    const copying = tiny.withSession(
      async (session) => {
        for await (const _piece of session.copyOut(table("big", BIG_COLUMNS))) {
          if (++pieces === 3) controller.abort(new Error("stop copying"));
        }
      },
      { signal: controller.signal },
    );
    const failure = await copying.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectorError);
    expect((failure as Error).message).toBe("connector tiny: cancelled: stop copying");
    expect(pieces).toBe(3);
    expect(await whole.scalar("select count(*) from pg_class where relname like 'nomaflow_copy_out%'")).toBe(0);
  });

  it("cancels copyIn between pieces and rolls the load back", async () => {
    await whole.execute("create table cancelled_load (like big)");
    const controller = new AbortController();
    const data = await copyOut(whole, table("big", BIG_COLUMNS));
    async function* abortingHalfway() {
      yield data.subarray(0, data.length / 2);
      controller.abort(new Error("stop loading"));
      yield data.subarray(data.length / 2);
    }
    const loading = tiny.withSession((session) => session.copyIn(table("cancelled_load", BIG_COLUMNS), abortingHalfway()), { signal: controller.signal });
    await expect(loading).rejects.toThrow("connector tiny: cancelled: stop loading");
    expect(await whole.scalar("select count(*) from cancelled_load")).toBe(0);
  });
});

describe("in the caller's transaction", () => {
  it("loads inside it (ROLLBACK undoes the load) and reads inside it (uncommitted rows included)", async () => {
    await whole.execute("create table in_transaction (id int, body text)");
    const seen = await tiny.withSession(async (session: Session) => {
      await session.query("BEGIN");
      await session.copyIn(table("in_transaction", BIG_COLUMNS), slices(Buffer.from("1\ta\n2\tb\n3\tc\n"), 2));
      const out = (await collect(session.copyOut(query("select * from in_transaction order by id")))).bytes.toString();
      // The transaction carries on after the copy.
      await session.query("insert into in_transaction values (4, 'd')");
      expect((await session.query("select count(*) as n from in_transaction")).rows[0]?.n).toBe(4);
      await session.query("ROLLBACK");
      return out;
    });
    expect(seen).toBe("1\ta\n2\tb\n3\tc\n");
    expect(await whole.scalar("select count(*) from in_transaction")).toBe(0);
  });

  it("cleans up after a consumer that stops reading early, and the transaction carries on", async () => {
    const kept = await tiny.withSession(async (session) => {
      await session.query("BEGIN");
      await session.query("create table early_stop (id int)");
      for await (const _piece of session.copyOut(table("big", BIG_COLUMNS))) break;
      await session.query("insert into early_stop values (1)");
      await session.query("COMMIT");
      return (await session.query("select count(*) as n from pg_class where relname like 'nomaflow_copy_out%'")).rows[0]?.n;
    });
    expect(kept).toBe(0);
    expect(await whole.scalar("select count(*) from early_stop")).toBe(1);
  });
});
