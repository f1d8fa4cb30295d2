/** ctx.get_connector against a real PostgreSQL: the four methods, sync and async, values both ways, errors, cancellation. */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runPythonStep } from "../../../src/step-types/python/runPythonStep.js";
import type { LogLevel } from "../../../src/step-types/stepType.js";
import { createDatabase, describeWithPostgres, type TestDatabase } from "../../support/postgres.js";
import { describeWithPython, never, pluginProject, PYTHON, stepFailure, type PluginProject } from "./pythonSupport.js";

const QUERIES = `
import asyncio, datetime, decimal, time
from concurrent.futures import ThreadPoolExecutor
from nomaflow import QueryError

async def methods_async(ctx):
    db = ctx.get_connector("db")
    return {
        "scalar": await db.scalar("select count(*) from items where qty > $1", 1),
        "fetch": await db.fetch("select id, name, qty from items where id <= $1 order by id", 2),
        "fetchrow": await db.fetchrow("select id, name from items where name = $1", "b"),
        "no_row": await db.fetchrow("select id from items where id = $1", 999),
        "no_scalar": await db.scalar("select id from items where id = $1", 999),
        "execute": await db.execute("update items set qty = qty + $1 where id >= $2", 10, 2),
        "after": await db.fetch("select qty from items order by id"),
    }

def methods_sync(ctx):
    db = ctx.get_connector("db")
    return {
        "scalar": db.scalar("select count(*) from items where qty > $1", 1),
        "fetch": db.fetch("select id, name, qty from items where id <= $1 order by id", 2),
        "fetchrow": db.fetchrow("select id, name from items where name = $1", "b"),
        "no_row": db.fetchrow("select id from items where id = $1", 999),
        "no_scalar": db.scalar("select id from items where id = $1", 999),
        "execute": db.execute("update items set qty = qty + $1 where id >= $2", 10, 2),
        "after": db.fetch("select qty from items order by id"),
    }

def infinities(ctx):
    db = ctx.get_connector("db")
    row = db.fetchrow(
        "select 'infinity'::timestamptz as up, '-infinity'::timestamptz as down, 'infinity'::timestamp as ts, "
        "'-infinity'::date as d, array['infinity'::timestamptz] as arr"
    )
    back = db.fetchrow("select $1::timestamptz = 'infinity' as up, $2::date = '-infinity' as d", row["up"], row["d"])
    return {"row": row, "types": sorted({type(value).__name__ for value in row.values()}), "back": back}

def values(ctx):
    db = ctx.get_connector("db")
    sent = {
        "d": datetime.date(2026, 3, 28),
        "ts": datetime.datetime(2026, 3, 28, 2, 30, 15, 123000),
        "tstz": datetime.datetime(2026, 3, 28, 1, 0, 0, 250000, tzinfo=datetime.timezone.utc),
        "n": decimal.Decimal("12345678901234567890.125"),
        "b": b"\\x00\\xffbytes",
        "big": 2**62,
        "j": {"a": [1, 2], "b": None},
        "t": datetime.time(12, 34, 56, 500000),
        "arr": [1, 2, 3],
        "ds": [datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)],
        "s": "text · ✓",
        "f": 0.5,
        "flag": True,
        "nothing": None,
    }
    row = db.fetchrow(
        "select $1::date as d, $2::timestamp as ts, $3::timestamptz as tstz, $4::numeric as n, $5::bytea as b, "
        "$6::int8 as big, $7::jsonb as j, $8::time as t, $9::int[] as arr, $10::date[] as ds, $11::text as s, "
        "$12::float8 as f, $13::bool as flag, $14::text as nothing",
        *sent.values(),
    )
    extra = db.fetchrow(
        "select $1::interval as iv, interval '1 month 2 days' as months, 'NaN'::float8 as nan, 9007199254740993::int8 as beyond_double, 7::int8 as small",
        datetime.timedelta(hours=1, seconds=1.5),
    )
    return {
        "types": {name: type(value).__name__ for name, value in row.items()},
        "equal": {name: row[name] == value for name, value in sent.items()},
        "tstz_offset": str(row["tstz"].utcoffset()),
        "interval": [repr(extra["iv"]), extra["iv"] == datetime.timedelta(hours=1, seconds=1.5)],
        "months": extra["months"],
        "nan_is_nan": extra["nan"] != extra["nan"],
        "beyond_double": extra["beyond_double"] == 9007199254740993,
        "small": [extra["small"], type(extra["small"]).__name__],
    }

async def gathered(ctx):
    a, b = ctx.get_connector("db"), ctx.get_connector("other")
    started = time.monotonic()
    results = await asyncio.gather(a.scalar("select 'a' || pg_sleep(0.4)::text"), b.scalar("select 'b' || pg_sleep(0.4)::text"))
    return {"results": results, "seconds": time.monotonic() - started}

def threads(ctx):
    db = ctx.get_connector("db")
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda index: db.scalar("select $1::int + 0 * length(pg_sleep(0.4)::text)", index), [1, 2]))
    return {"results": results, "seconds": time.monotonic() - started}

async def catches(ctx):
    db = ctx.get_connector("db")
    try:
        await db.scalar("select * from no_such_table")
    except QueryError as error:
        return {"message": str(error), "code": error.code, "connector": error.connector, "is_runtime_error": isinstance(error, RuntimeError)}

def catches_sync(ctx):
    try:
        ctx.get_connector("nowhere").execute("select 1")
    except RuntimeError as error:
        return {"message": str(error), "type": type(error).__name__}

async def uncaught(ctx):
    await ctx.get_connector("db").execute("insert into items (id, name, qty) values ($1, $2, $3)", 1, "dup", 0)

def bad_parameter(ctx):
    ctx.get_connector("db").scalar("select $1", object())

async def sleeps(ctx):
    ctx.log.info("started")
    await ctx.get_connector("db").scalar("select pg_sleep(30)")
`;

describeWithPython(
  "python step: ctx.get_connector",
  () => {
    let db: TestDatabase;
    let project: PluginProject;
    beforeAll(async () => {
      db = await createDatabase("python_queries");
      project = pluginProject({ "plugins/queries.py": QUERIES });
    });
    afterAll(async () => {
      project?.remove();
      await db?.drop();
    });
    const reset = () =>
      db.query(
        "drop table if exists items; create table items (id int primary key, name text, qty int); insert into items values (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)",
      );

    async function run(callable: string, options: Parameters<PluginProject["context"]>[0] = {}) {
      const recording = project.context({ connectors: { db: db.url, other: db.url }, ...options });
      try {
        return await runPythonStep({ callable }, recording.context, never, PYTHON);
      } finally {
        await recording.close();
      }
    }

    const expected = {
      scalar: 2,
      fetch: [
        { id: 1, name: "a", qty: 1 },
        { id: 2, name: "b", qty: 2 },
      ],
      fetchrow: { id: 2, name: "b" },
      no_row: null,
      no_scalar: null,
      execute: 2,
      after: [{ qty: 1 }, { qty: 12 }, { qty: 13 }],
    };

    it("scalar, fetch, fetchrow and execute with $n parameters, awaited in an async function", async () => {
      await reset();
      expect(await run("queries:methods_async")).toEqual(expected);
    });

    it("the same calls return values directly in a sync function", async () => {
      await reset();
      expect(await run("queries:methods_sync")).toEqual(expected);
    });

    it("carries dates, times, Decimal, bytes, big integers, JSON and arrays both ways with their Python types", async () => {
      const output = await run("queries:values");
      expect(output.types).toEqual({
        d: "date",
        ts: "datetime",
        tstz: "datetime",
        n: "Decimal",
        b: "bytes",
        big: "int",
        j: "dict",
        t: "time",
        arr: "list",
        ds: "list",
        s: "str",
        f: "float",
        flag: "bool",
        nothing: "NoneType",
      });
      expect(Object.entries(output.equal as object).filter(([, equal]) => !equal)).toEqual([]);
      expect(output).toMatchObject({
        tstz_offset: "0:00:00",
        interval: ["datetime.timedelta(seconds=3601, microseconds=500000)", true],
        months: "P0Y1M2DT0H0M0S",
        nan_is_nan: true,
        beyond_double: true,
        small: [7, "int"],
      });
    });

    it("gives infinite dates and timestamps as the strings infinity and -infinity, which go back to PostgreSQL and out as output", async () => {
      expect(await run("queries:infinities")).toEqual({
        row: { up: "infinity", down: "-infinity", ts: "infinity", d: "-infinity", arr: ["infinity"] },
        types: ["list", "str"],
        back: { up: true, d: true },
      });
    });

    it("runs awaits on two connectors at the same time (asyncio.gather)", async () => {
      const output = await run("queries:gathered");
      expect(output.results).toEqual(["a", "b"]);
      expect(output.seconds).toBeLessThan(0.75);
    });

    it("answers blocking calls from several threads at the same time", async () => {
      const output = await run("queries:threads");
      expect(output.results).toEqual([1, 2]);
      expect(output.seconds).toBeLessThan(0.75);
    });

    it("raises a database error as nomaflow.QueryError (a RuntimeError) that the function can catch", async () => {
      expect(await run("queries:catches")).toEqual({
        message: 'connector db: relation "no_such_table" does not exist',
        code: "42P01",
        connector: "db",
        is_runtime_error: true,
      });
      expect(await run("queries:catches_sync")).toEqual({ message: "connector nowhere: is not defined in nomaflow.yaml", type: "QueryError" });
    });

    it("fails the step on an uncaught query error, without retry when the database error is permanent", async () => {
      await reset();
      const error = await stepFailure(run("queries:uncaught"));
      expect(error.message).toBe('QueryError: connector db: duplicate key value violates unique constraint "items_pkey"; detail: Key (id)=(1) already exists.');
      expect(error.retryable).toBe(false);
    });

    it("refuses a parameter it cannot send, naming it", async () => {
      expect((await stepFailure(run("queries:bad_parameter"))).message).toBe("TypeError: scalar(): parameter $1 cannot be sent to the database: type object");
    });

    it("cancels a running query on the server when the step is cancelled", async () => {
      const applicationName = `nomaflow:test:sleepy-${randomBytes(3).toString("hex")}`;
      const controller = new AbortController();
      const recording = project.context({ connectors: { db: db.url }, applicationName });
      const context = {
        ...recording.context,
        log: (level: LogLevel, message: string) => {
          recording.context.log(level, message);
          if (message === "started") setTimeout(() => controller.abort(new Error("interrupted")), 300);
        },
      };
      const started = performance.now();
      try {
        const error = await stepFailure(runPythonStep({ callable: "queries:sleeps" }, context, controller.signal, PYTHON));
        expect(error.message).toBe("python function cancelled: interrupted");
        expect(performance.now() - started).toBeLessThan(5000);
      } finally {
        await recording.close();
      }
      const running = async () =>
        (await db.query("select count(*)::int as n from pg_stat_activity where application_name = $1 and state = 'active'", [applicationName])).rows[0]
          .n as number;
      let count = await running();
      const deadline = Date.now() + 2000;
      while (count > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        count = await running();
      }
      expect(count).toBe(0);
    });
  },
  describeWithPostgres,
);
