/**
 * The PGlite connector against real PGlite databases in temporary folders (removed after):
 * queries and pg's value types, transactions, sessions taking turns on the one connection,
 * cancelling, one shared instance per folder, persistence, and the reasons given when a folder
 * cannot be opened.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connector } from "../../../src/connectors/connector.js";
import { openPgliteConnector } from "../../../src/connectors/pglite/pgliteConnector.js";
import { LOCK_FILE } from "../../../src/connectors/pglite/folderLock.js";
import { openPgliteCount } from "../../../src/connectors/pglite/instances.js";
import { ConnectorError } from "../../../src/errors/nomaflowError.js";
import { freshPgliteFolder } from "../../support/pgliteTemplate.js";

let root: string;
let folder: string;
let scratch: Connector;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "nomaflow-pglite-"));
  folder = await freshPgliteFolder(join(root, "scratch"));
  scratch = openPgliteConnector("scratch", folder);
  await scratch.execute("create table items (id int primary key, label text)");
});

afterAll(async () => {
  await scratch.close();
  await rm(root, { recursive: true, force: true });
});

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const tick = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

describe("queries", () => {
  it("takes $n parameters and answers rows, row counts and fields like the postgres connector", async () => {
    const result = await scratch.withSession((session) => session.query("select $1::int + 1 as next, $2::text as label", [41, "x"]));
    expect(result.rows).toEqual([{ next: 42, label: "x" }]);
    expect(result.rowCount).toBe(1);
    expect(result.fields).toEqual([
      { name: "next", dataTypeId: 23 },
      { name: "label", dataTypeId: 25 },
    ]);
    expect(await scratch.execute("insert into items values ($1, $2), ($3, $4)", [1, "one", 2, "two"])).toBe(2);
    expect(await scratch.execute("update items set label = upper(label)")).toBe(2);
    expect(await scratch.scalar("select count(*) from items")).toBe(2);
    expect(await scratch.fetchrow("select * from items where id = $1", [2])).toEqual({ id: 2, label: "TWO" });
    expect(await scratch.fetchrow("select * from items where id = $1", [99])).toBeNull();
    expect(await scratch.scalar("select label from items where id = 99")).toBeNull();
    expect(await scratch.fetch("select id from items order by id")).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await scratch.execute("delete from items")).toBe(2);
  });

  it("runs several statements in one text when there are no parameters, adding up their row counts", async () => {
    const result = await scratch.withSession((session) =>
      session.query("insert into items values (10, 'a'); insert into items values (11, 'b'); select id from items order by id"),
    );
    expect(result.rows).toEqual([{ id: 10 }, { id: 11 }]);
    expect(result.rowCount).toBe(4);
    await scratch.execute("delete from items");
  });

  it("gives every type sql_copy uses the value pg gives it, both ways", async () => {
    await scratch.execute(
      "create table typed (n numeric, at timestamptz, doc jsonb, ints int[], words text[], bytes bytea, body text, big int8, huge int8, day date)",
    );
    const at = new Date("2024-03-31T01:30:00.123Z");
    const values = [
      "12345678901234567890.000000001",
      at,
      { a: [1, "two", null], 'b"': { c: true } },
      [1, null, 3],
      ["a,b", 'c"d', "e\\f", null, ""],
      Buffer.from([0, 1, 254, 255]),
      "tab\there\nnewline \\ ünïcødé 🚀",
      42,
      "9223372036854775807",
      "2024-02-29",
    ];
    await scratch.execute("insert into typed values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", values);
    const row = await scratch.fetchrow("select * from typed");
    expect(row).toEqual({
      n: "12345678901234567890.000000001",
      at,
      doc: { a: [1, "two", null], 'b"': { c: true } },
      ints: [1, null, 3],
      words: ["a,b", 'c"d', "e\\f", null, ""],
      bytes: Buffer.from([0, 1, 254, 255]),
      body: "tab\there\nnewline \\ ünïcødé 🚀",
      big: 42,
      huge: "9223372036854775807",
      day: pg.types.getTypeParser(1082, "text")("2024-02-29"),
    });
    expect(Buffer.isBuffer(row?.bytes)).toBe(true);
    expect(await scratch.fetchrow("select null::numeric as n, null::jsonb as j, null::bytea as b")).toEqual({ n: null, j: null, b: null });
  });

  it("sets application_name for the session", async () => {
    const name = await scratch.withSession((session) => session.query("select current_setting('application_name') as name"), {
      applicationName: "nomaflow:job:step",
    });
    expect(name.rows[0]?.name).toBe("nomaflow:job:step");
    expect(await scratch.scalar("select current_setting('application_name')")).toBe("nomaflow");
  });

  it("reports PostgreSQL's error as a ConnectorError naming the connector, the driver's error as its cause", async () => {
    const failure = await scratch.fetch("select * from no_such_table").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectorError);
    expect((failure as ConnectorError).message).toBe('connector scratch: relation "no_such_table" does not exist');
    expect(((failure as ConnectorError).cause as { code?: string }).code).toBe("42P01");
  });

  it("describes the server", async () => {
    const description = await scratch.describe();
    expect(description.version).toMatch(/^PostgreSQL \d+\.\d+ \(PGlite/);
    expect(description.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("has no backend pid", async () => {
    expect(await scratch.withSession(async (session) => session.backendPid)).toBeUndefined();
  });
});

describe("sessions and transactions", () => {
  it("keeps a transaction within its session: ROLLBACK undoes it, COMMIT keeps it", async () => {
    await scratch.withSession(async (session) => {
      await session.query("BEGIN");
      await session.query("insert into items values (20, 'rolled back')");
      expect((await session.query("select count(*) as n from items where id = 20")).rows[0]?.n).toBe(1);
      await session.query("ROLLBACK");
      await session.query("BEGIN");
      await session.query("insert into items values (21, 'kept')");
      await session.query("COMMIT");
    });
    expect(await scratch.fetch("select id from items where id in (20, 21)")).toEqual([{ id: 21 }]);
    await scratch.execute("delete from items");
  });

  it("rolls back a transaction the work left open or failed in, so it never reaches the next session", async () => {
    await scratch.withSession(async (session) => {
      await session.query("BEGIN");
      await session.query("insert into items values (30, 'left open')");
    });
    const failed = scratch.withSession(async (session) => {
      await session.query("BEGIN");
      await session.query("insert into items values (31, 'failed')");
      await session.query("select 1/0");
    });
    await expect(failed).rejects.toThrow("division by zero");
    expect(await scratch.scalar("select count(*) from items")).toBe(0);
    expect(await scratch.scalar("select pg_current_xact_id_if_assigned() is null")).toBe(true);
  });

  it("serialises sessions: another session's statement waits, and never sees or joins the open transaction", async () => {
    const other = openPgliteConnector("same-folder", folder);
    const inserted = gate();
    const finish = gate();
    const events: string[] = [];
    try {
      const first = scratch.withSession(async (session) => {
        await session.query("BEGIN");
        await session.query("insert into items values (40, 'uncommitted')");
        inserted.open();
        await finish.promise;
        expect((await session.query("select count(*) as n from items")).rows[0]?.n).toBe(1);
        events.push("first rolls back");
        await session.query("ROLLBACK");
      });
      await inserted.promise;
      const second = other.scalar("select count(*) from items").then((count) => {
        events.push("second ran");
        return count;
      });
      await tick();
      expect(events).toEqual([]);
      finish.open();
      await first;
      expect(await second).toBe(0);
      expect(events).toEqual(["first rolls back", "second ran"]);
    } finally {
      await other.close();
      await scratch.execute("delete from items");
    }
  });

  it("refuses, instead of waiting forever, a second session on the same folder opened inside the first", async () => {
    const other = openPgliteConnector("same-folder", folder);
    try {
      const nested = scratch.withSession(async () => other.scalar("select 1"));
      await expect(nested).rejects.toThrow(
        /connector same-folder: a second session on the PGlite database in .* cannot start inside a session of connector scratch/,
      );
      // Once the outer session is over, work it started later may open sessions again.
      expect(await other.scalar("select 1")).toBe(1);
    } finally {
      await other.close();
    }
  });

  it("refuses a session's use after its work has ended", async () => {
    const session = await scratch.withSession(async (held) => held);
    await expect(session.query("select 1")).rejects.toThrow("connector scratch: the session has ended");
  });
});

describe("cancelling", () => {
  it("rejects at once when the signal has already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("step timed out"));
    await expect(scratch.scalar("select 1", [], { signal: controller.signal })).rejects.toThrow("connector scratch: cancelled: step timed out");
  });

  it("stops before the next statement and rolls the session back", async () => {
    const controller = new AbortController();
    let ranAfterAbort = false;
    const work = scratch.withSession(
      async (session) => {
        await session.query("BEGIN");
        await session.query("insert into items values (50, 'cancelled')");
        controller.abort(new Error("interrupted"));
        await session.query("insert into items values (51, 'never')");
        ranAfterAbort = true;
      },
      { signal: controller.signal },
    );
    const failure = await work.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectorError);
    expect((failure as ConnectorError).message).toBe("connector scratch: cancelled: interrupted");
    expect((failure as ConnectorError).hint).toMatch(/runs to its end/);
    expect(ranAfterAbort).toBe(false);
    expect(await scratch.scalar("select count(*) from items")).toBe(0);
  });

  it("gives up a queued session's turn at once, without disturbing the session that holds the connection", async () => {
    const holding = gate();
    const started = gate();
    const first = scratch.withSession(async (session) => {
      started.open();
      await holding.promise;
      return (await session.query("select 'still here' as text")).rows[0]?.text;
    });
    await started.promise;
    const controller = new AbortController();
    const queued = scratch.scalar("select 1", [], { signal: controller.signal });
    controller.abort(new Error("run cancelled"));
    await expect(queued).rejects.toThrow("connector scratch: cancelled: run cancelled");
    holding.open();
    expect(await first).toBe("still here");
    expect(await scratch.scalar("select 2")).toBe(2);
  });
});

describe("instances and folders", () => {
  it("shares one instance among the connectors naming a folder, and closes it with its last user", async () => {
    const before = openPgliteCount();
    const folderB = await freshPgliteFolder(join(root, "shared"));
    const one = openPgliteConnector("one", folderB);
    const two = openPgliteConnector("two", folderB);
    expect(openPgliteCount()).toBe(before);
    // A temporary table lives in its backend: seen from the other connector, it is the same instance.
    await one.execute("create temp table only_in_this_backend (x int)");
    expect(await two.scalar("select count(*) from pg_tables where tablename = 'only_in_this_backend'")).toBe(1);
    expect(openPgliteCount()).toBe(before + 1);
    await one.close();
    expect(await two.scalar("select 1")).toBe(1);
    await expect(one.scalar("select 1")).rejects.toThrow("connector one: the connector is closed");
    await two.close();
    expect(openPgliteCount()).toBe(before);
  });

  it("keeps the data when the folder is opened again", async () => {
    const folderC = await freshPgliteFolder(join(root, "persisted"));
    const writer = openPgliteConnector("writer", folderC);
    await writer.execute("create table kept (id int, note text)");
    await writer.execute("insert into kept values (1, 'survives a close')");
    await writer.close();
    await expect(readFile(join(folderC, LOCK_FILE))).rejects.toThrow();
    const reader = openPgliteConnector("reader", folderC);
    try {
      expect(await reader.fetch("select * from kept")).toEqual([{ id: 1, note: "survives a close" }]);
    } finally {
      await reader.close();
    }
  });

  it("creates a missing folder, parents included", async () => {
    const nested = openPgliteConnector("nested", join(root, "a", "b", "c"));
    try {
      expect(await nested.scalar("select 1")).toBe(1);
    } finally {
      await nested.close();
    }
  });

  it("says why a folder cannot be used: a file in the way, someone else's files", async () => {
    await writeFile(join(root, "a-file"), "not a folder");
    await expect(openPgliteConnector("file", join(root, "a-file")).scalar("select 1")).rejects.toThrow(
      `connector file: cannot create the PGlite folder ${join(root, "a-file")}: ${join(root, "a-file")} is a file, not a folder`,
    );
    await mkdir(join(root, "photos"));
    await writeFile(join(root, "photos", "cat.jpg"), "meow");
    const foreign = openPgliteConnector("photos", join(root, "photos"));
    await expect(foreign.scalar("select 1")).rejects.toThrow(/connector photos: .*photos is not empty and holds no PGlite database/);
    await foreign.close();
  });

  it("says the folder is in use while another live process holds its lock, and takes over a dead one's", async () => {
    const folderD = await freshPgliteFolder(join(root, "locked"));
    // The test runner's parent process is alive and is not this process.
    await writeFile(join(folderD, LOCK_FILE), `${process.ppid}\n${hostname()}\n`);
    const locked = openPgliteConnector("locked", folderD);
    await expect(locked.scalar("select 1")).rejects.toThrow(
      `connector locked: ${folderD} is in use by another process (pid ${process.ppid}); PGlite allows one process per folder at a time`,
    );
    // pid_max is at most 2^22 on Linux, so this pid belongs to no process.
    await writeFile(join(folderD, LOCK_FILE), `${2 ** 22 + 1}\n${hostname()}\n`);
    try {
      expect(await locked.scalar("select 1")).toBe(1);
      expect(await readFile(join(folderD, LOCK_FILE), "utf8")).toBe(`${process.pid}\n${hostname()}\n`);
    } finally {
      await locked.close();
    }
  });

  it("passes on PostgreSQL's reason when the database files cannot be used", async () => {
    const folderE = await freshPgliteFolder(join(root, "old-version"));
    const first = openPgliteConnector("old", folderE);
    await first.scalar("select 1");
    await first.close();
    await writeFile(join(folderE, "PG_VERSION"), "16\n");
    const failure = await openPgliteConnector("old", folderE)
      .scalar("select 1")
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectorError);
    expect((failure as Error).message).toMatch(
      /^connector old: could not open the PGlite database in .*old-version: database files are incompatible with server The data directory was initialized by PostgreSQL version 16/,
    );
    // The failed start left no lock behind.
    await expect(readFile(join(folderE, LOCK_FILE))).rejects.toThrow();
  });
});
