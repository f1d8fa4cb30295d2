/**
 * COPY through the PostgreSQL connector, on a real server: the rows read off the socket are the
 * server's, byte for byte, counted as they pass and exactly at the end; notices in the middle of
 * a copy are passed over; a copy stopped early, cancelled, refused by the target or failed by its
 * data ends as such and leaves the pool working.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Connector, CopyFormat, CopyOutStream, Session } from "../../../src/connectors/connector.js";
import { BinaryCopyScanner } from "../../../src/connectors/binaryCopyScanner.js";
import { openPostgresConnector } from "../../../src/connectors/postgres/postgresConnector.js";
import { ConnectorError } from "../../../src/errors/nomaflowError.js";
import { createDatabase, describeWithPostgres, trackFailures, type TestDatabase } from "../../support/postgres.js";

const ROWS = 30_000;

describeWithPostgres("postgres connector COPY", () => {
  const failed = trackFailures();
  let database: TestDatabase;
  let connector: Connector;

  beforeAll(async () => {
    database = await createDatabase("pg_copy");
    await database.query(`
      create table source (id int primary key, label text, payload bytea, amount numeric, at timestamptz);
      insert into source select g, case when g % 7 = 0 then null else 'row ' || g || E'\\t' || repeat('x', g % 300) end,
        decode(md5(g::text), 'hex'), g / 3.0, timestamptz '2020-01-01 00:00+00' + g * interval '1 minute'
        from generate_series(1, ${ROWS}) g;
      create table target (like source);
      create table strict_target (id int, label text not null, payload bytea, amount numeric, at timestamptz);
      create function noisy(n int) returns int language plpgsql as $$ begin raise notice 'row %', n; return n; end $$;`);
    connector = openPostgresConnector("db", database.url);
  });
  afterAll(async () => {
    await connector?.close();
    await database?.drop(failed());
  });

  const columns = ["id", "label", "payload", "amount", "at"];
  const tableChecksum = async (table: string) =>
    (await database.query(`select count(*)::int as rows, md5(string_agg(t::text, ',' order by id)) as sum from ${table} t`)).rows[0];

  /** The bytes of a copy out, and after each chunk the stream's row count and the whole rows in the bytes so far. */
  async function readAll(stream: CopyOutStream, format: CopyFormat): Promise<{ bytes: Buffer; counts: Array<{ said: number; whole: number }> }> {
    const chunks: Buffer[] = [];
    const counts: Array<{ said: number; whole: number }> = [];
    const scanner = new BinaryCopyScanner();
    let lines = 0;
    for await (const chunk of stream) {
      chunks.push(Buffer.from(chunk));
      if (format === "binary") scanner.scan(chunk);
      else lines += Buffer.from(chunk).toString("latin1").split("\n").length - 1;
      counts.push({ said: stream.rows!, whole: format === "binary" ? scanner.rows : lines });
    }
    return { bytes: Buffer.concat(chunks), counts };
  }

  const once = (data: Buffer) =>
    (async function* () {
      yield data;
    })();

  for (const format of ["binary", "text"] as CopyFormat[]) {
    it(`${format}: copies every row exactly, counting them as they pass and exactly at the end`, async () => {
      await database.query("truncate target");
      const copy = { table: { schema: "public", name: "source" }, columns, format };
      const out = await connector.withSession((session) => readAll(session.copyOut(copy), format));
      // Counted as they pass, at most one row behind the whole rows passed on, never ahead.
      expect(out.counts.length).toBeGreaterThan(3);
      for (const { said, whole } of out.counts) expect(whole - said).toBeOneOf([0, 1]);
      expect(out.counts.at(-1)).toEqual({ said: ROWS, whole: ROWS });
      const copied = await connector.withSession((source) =>
        connector.withSession(async (target) => {
          const stream = source.copyOut(copy);
          const rows = await target.copyIn({ table: { schema: "public", name: "target" }, columns, format }, stream);
          return { rows, counted: stream.rows };
        }),
      );
      expect(copied).toEqual({ rows: ROWS, counted: ROWS });
      expect(await tableChecksum("target")).toEqual(await tableChecksum("source"));
      if (format === "text") expect(out.bytes.toString().split("\n").length - 1).toBe(ROWS);
      else expect(out.bytes.subarray(0, 11).toString("latin1")).toBe("PGCOPY\n\xff\r\n\0");
    });
  }

  it("no rows: an empty copy counts 0", async () => {
    for (const format of ["binary", "text"] as CopyFormat[]) {
      const stream = await connector.withSession(async (session) => {
        const copy = session.copyOut({ query: "select * from source where false", format });
        await readAll(copy, format);
        return copy;
      });
      expect(stream.rows).toBe(0);
    }
  });

  it("notices sent in the middle of a copy are passed over", async () => {
    const text = await connector.withSession(async (session) => {
      const stream = session.copyOut({ query: "select noisy(g) from generate_series(1, 500) g", format: "text" });
      const { bytes } = await readAll(stream, "text");
      expect(stream.rows).toBe(500);
      return bytes.toString();
    });
    expect(text).toBe(Array.from({ length: 500 }, (_, index) => `${index + 1}\n`).join(""));
  });

  it("a copy stopped early closes its session's connection; the pool's next session works", async () => {
    const pids = await connector.withSession(async (session) => {
      for await (const chunk of session.copyOut({ table: { schema: "public", name: "source" }, columns, format: "binary" })) {
        expect(chunk.byteLength).toBeGreaterThan(0);
        break;
      }
      return session.backendPid;
    });
    const next = await connector.withSession(async (session) => {
      expect((await session.query("select count(*)::int as n from source")).rows[0]).toEqual({ n: ROWS });
      return session.backendPid;
    });
    expect(next).not.toBe(pids);
  });

  it("a copy cancelled on the server fails with the server's reason", async () => {
    const error = await connector
      .withSession(async (session) => {
        const stream = session.copyOut({ query: "select g, pg_sleep(0.001) from generate_series(1, 100000) g", format: "text" });
        let first = true;
        for await (const chunk of stream) {
          expect(chunk.byteLength).toBeGreaterThan(0);
          if (first) await database.query("select pg_cancel_backend($1)", [session.backendPid]);
          first = false;
        }
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as Error).message).toMatch(/cancel/);
  });

  it("a row the target refuses fails the copy with the server's error, and the session goes on", async () => {
    const rows = await sourceRows(connector, "binary");
    await connector.withSession(async (session) => {
      const error = await session
        .copyIn({ table: { schema: "public", name: "strict_target" }, columns, format: "binary" }, once(rows))
        .catch((caught: unknown) => caught);
      expect((error as Error).message).toMatch(/null value in column "label"/);
      expect((await session.query("select count(*)::int as n from strict_target")).rows[0]).toEqual({ n: 0 });
    });
  });

  it("data that fails mid-way fails the copy with the data's error; nothing is copied and the session goes on", async () => {
    await database.query("truncate target");
    const rows = await sourceRows(connector, "text");
    async function* failing() {
      yield rows.subarray(0, rows.indexOf("\n") + 1);
      throw new Error("the source went away");
    }
    await connector.withSession(async (session: Session) => {
      const error = await session
        .copyIn({ table: { schema: "public", name: "target" }, columns, format: "text" }, failing())
        .catch((caught: unknown) => caught);
      expect((error as Error).message).toMatch(/the source went away/);
      expect((await session.query("select count(*)::int as n from target")).rows[0]).toEqual({ n: 0 });
    });
  });

  async function sourceRows(on: Connector, format: CopyFormat): Promise<Buffer> {
    return on.withSession(async (session) => (await readAll(session.copyOut({ table: { schema: "public", name: "source" }, columns, format }), format)).bytes);
  }
});
