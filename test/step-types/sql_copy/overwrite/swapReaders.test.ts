/**
 * What readers of the target see around an overwrite swap: never an empty or half-loaded table,
 * never a mix of old and new rows, never an error; readers that arrive while the swap holds its
 * lock wait and then read the new table. The lock is held for milliseconds, and a swap that
 * cannot get it in time gives up, leaves the target alone, and can be tried again.
 */
import { qualifiedName } from "../../../../src/sql/quoteSql.js";
import type pg from "pg";
import { beforeAll, expect, it } from "vitest";
import { completeStash } from "../../../../src/step-types/sql_copy/overwrite/completeStash.js";
import { createStash, dropStash, findStashTables, stashName } from "../../../../src/step-types/sql_copy/overwrite/stashTable.js";
import { swapStash } from "../../../../src/step-types/sql_copy/overwrite/swapStash.js";
import { queryOf } from "../../../../src/step-types/sql_copy/transaction.js";
import { describeOnBackends } from "../../../support/backends.js";
import { describeTarget } from "../../../../src/step-types/sql_copy/overwrite/describeTarget.js";
import { overwrite, rejection, scalar } from "./realOverwrite.js";

interface Observation {
  count: number;
  min: number;
  max: number;
}

describeOnBackends("overwrite swap as readers see it", (h) => {
  /** A connection of its own for watching the server while the swap's session is busy. */
  let monitor: pg.Client;
  beforeAll(async () => {
    if (h.has("sessions")) monitor = await h.connect();
  });

  const observe = (rows: Record<string, unknown>[]): Observation => {
    const row = rows[0]!;
    return { count: Number(row.count), min: Number(row.min), max: Number(row.max) };
  };

  /** Polls until `sql` returns true (the server's own view of who waits for what). */
  const until = async (sql: string, params: unknown[] = []) => {
    for (let attempt = 0; attempt < 500; attempt++) {
      if ((await monitor.query(sql, params)).rows[0]?.ready === true) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`timed out waiting for: ${sql}`);
  };
  const waitingForLock = (pids: number[]) =>
    until(`select count(*) = cardinality($1::int[]) as ready from pg_stat_activity where pid = any($1::int[]) and wait_event_type = 'Lock'`, [pids]);
  const pidOf = async (client: pg.Client) => Number((await client.query("select pg_backend_pid() as pid")).rows[0].pid);

  h.itNeeds(
    "sessions",
    "readers in a tight loop through the load and the swap see only the whole old or the whole new table, never an error; the lock is held for milliseconds",
    async () => {
      const OLD_ROWS = 150_000;
      const NEW_ROWS = 200_000;
      await h.query(`create table readings (id int primary key, batch int not null, payload text);
      create index readings_batch on readings (batch);
      insert into readings select i, 1, md5(i::text) from generate_series(1, ${OLD_ROWS}) i;
      create view readings_view as select batch from readings`);
      await h.query("vacuum analyze readings");

      const readers: { sql: string | pg.QueryConfig; observations: Observation[]; errors: unknown[] }[] = [
        { sql: "select count(*), min(batch), max(batch) from readings", observations: [], errors: [] },
        { sql: { text: "select count(*), min(batch), max(batch) from readings where batch >= $1", values: [0] }, observations: [], errors: [] },
        { sql: { name: "through_view", text: "select count(*), min(batch), max(batch) from readings_view" }, observations: [], errors: [] },
      ];
      let done = false;
      const loops = readers.map(async (reader) => {
        const client = await h.connect();
        while (!done) {
          try {
            reader.observations.push(observe((await client.query(reader.sql as string)).rows));
          } catch (error) {
            reader.errors.push(error);
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 50));

      const result = await overwrite(
        h,
        { schema: "public", table: "readings" },
        (stash) => `insert into ${stash} select i, 2, md5(i::text) from generate_series(1, ${NEW_ROWS}) i`,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      done = true;
      await Promise.all(loops);

      console.log(
        `lock held ${result.lockHeldMs} ms for a ${NEW_ROWS}-row table; reader observations: ${readers.map((reader) => reader.observations.length).join(", ")}`,
      );
      const old = { count: OLD_ROWS, min: 1, max: 1 };
      const fresh = { count: NEW_ROWS, min: 2, max: 2 };
      for (const reader of readers) {
        expect(reader.errors).toEqual([]);
        expect(reader.observations.length).toBeGreaterThan(5);
        const firstNew = reader.observations.findIndex((observation) => observation.max === 2);
        expect(firstNew).toBeGreaterThan(0);
        expect(reader.observations.slice(0, firstNew).every((observation) => JSON.stringify(observation) === JSON.stringify(old))).toBe(true);
        expect(reader.observations.slice(firstNew).every((observation) => JSON.stringify(observation) === JSON.stringify(fresh))).toBe(true);
      }
      expect(result.lockHeldMs).toBeLessThan(1000);
    },
  );

  h.itNeeds("sessions", "readers that arrive while the swap waits for its lock wait too, then read the new table without an error", async () => {
    await h.query(`create table queued (id int primary key, batch int); insert into queued select i, 1 from generate_series(1, 10) i;
      create view queued_view as select * from queued`);
    const holder = await h.connect();
    await holder.query("begin; select count(*) from queued");

    // swapStash itself, with a lock wait long enough for the readers to queue behind it
    // (overwriteTarget waits 500 ms at a time, then tries again).
    const target = { schema: "public", table: "queued" };
    const plan = await h.session(async (query) =>
      createStash(query, target, stashName("queued", "20261128T020000000Z-queued"), await describeTarget(query, target)),
    );
    await h.query(`insert into ${qualifiedName("public", plan.stash)} select i, 2 from generate_series(1, 20) i`);
    await h.session(async (query) => completeStash(query, plan));
    const swapped = h.session(async (query) => swapStash(query, plan, { lockTimeoutMs: 20_000 }));
    await until(`select exists (select from pg_locks where relation = 'public.queued'::regclass and mode = 'AccessExclusiveLock' and not granted) as ready`);

    const clients = [await h.connect(), await h.connect(), await h.connect()];
    const pids = await Promise.all(clients.map(pidOf));
    const reads = [
      clients[0]!.query("select count(*), min(batch), max(batch) from queued"),
      clients[1]!.query({ name: "queued_by_batch", text: "select count(*), min(batch), max(batch) from queued where batch > $1", values: [0] }),
      clients[2]!.query("select count(*), min(batch), max(batch) from queued_view"),
    ];
    await waitingForLock(pids);
    await holder.query("commit");

    const results = await Promise.all(reads);
    expect(results.map((result) => observe(result.rows))).toEqual(Array(3).fill({ count: 20, min: 2, max: 2 }));
    expect((await swapped).lockHeldMs).toBeLessThan(1000);
  });

  h.itNeeds(
    "sessions",
    "gives up when the lock does not come in time, leaves the target as it was, and succeeds when tried again with the same stash",
    async () => {
      await h.query(`create table busy (id int primary key, batch int); insert into busy values (1, 1)`);
      const target = { schema: "public", table: "busy" };
      const plan = await h.session(async (query) =>
        createStash(query, target, stashName("busy", "20261128T020000000Z-busyaa"), await describeTarget(query, target)),
      );
      await h.query(`insert into ${qualifiedName("public", plan.stash)} values (1, 2), (2, 2)`);
      await h.session(async (query) => completeStash(query, plan));
      const holder = await h.connect();
      await holder.query("begin; select count(*) from busy");

      const started = performance.now();
      const error = await rejection(h.session(async (query) => swapStash(query, plan, { lockTimeoutMs: 200 })));
      expect(performance.now() - started).toBeLessThan(5000);
      expect(error.message).toBe("the swap could not lock public.busy within 200 ms; public.busy is unchanged");
      expect(error.retryable).toBe(true);
      expect((await holder.query("select batch from busy")).rows).toEqual([{ batch: 1 }]);
      await holder.query("commit");
      expect(await findStashTables(h.query, "public", "busy")).toEqual([plan.stash]);

      await h.session(async (query) => swapStash(query, plan, { lockTimeoutMs: 200 }));
      expect(await scalar(h, "select string_agg(batch::text, ',') from busy")).toBe("2,2");
      expect(await findStashTables(h.query, "public", "busy")).toEqual([]);
    },
  );

  h.itNeeds("sessions", "stops at once when the step is cancelled while the swap waits to try again, leaving the target and no stash", async () => {
    await h.query(`create table held (id int primary key, batch int); insert into held values (1, 1)`);
    const holder = await h.connect();
    await holder.query("begin; select count(*) from held");
    const controller = new AbortController();
    let abortedAt = 0;
    const error = await rejection(
      overwrite(h, { schema: "public", table: "held" }, (stash) => `insert into ${stash} values (1, 2)`, {
        signal: controller.signal,
        onLog: (message) => {
          // The third try timed out on the holder's lock; overwriteTarget now waits 600 ms.
          if (!message.endsWith("trying again (3/5)")) return;
          abortedAt = performance.now();
          controller.abort(new Error("cancelled by the test"));
        },
      }),
    );
    const stoppedAfterMs = performance.now() - abortedAt;
    await holder.query("commit");
    expect(abortedAt).toBeGreaterThan(0);
    expect(error.message).toMatch(/cancelled by the test/);
    expect(stoppedAfterMs).toBeLessThan(300);
    expect(await scalar(h, "select batch from held")).toBe(1);
    expect(await findStashTables(h.query, "public", "held")).toEqual([]);
  });

  it("does not swap when the target changed during the copy, saying what changed", async () => {
    await h.query(`create table moving (id int primary key, batch int); insert into moving values (1, 1)`);
    const target = { schema: "public", table: "moving" };
    const plan = await h.session(async (query) =>
      createStash(query, target, stashName("moving", "20261128T020000000Z-movaaa"), await describeTarget(query, target)),
    );
    await h.query(`insert into ${qualifiedName("public", plan.stash)} values (1, 2)`);
    await h.session(async (query) => completeStash(query, plan));
    await h.query(`create index moving_batch on moving (batch); comment on table moving is 'changed'`);

    const error = await rejection(h.session(async (query) => swapStash(query, plan)));
    expect(error.message).toBe("public.moving changed while it was being copied (table, indexes), so the copy no longer matches it; nothing was swapped");
    expect(error.retryable).toBe(true);
    expect(await scalar(h, "select batch from moving")).toBe(1);
    await dropStash(h.query, target, plan.stash);
  });

  it("refuses to run inside the caller's transaction", async () => {
    await h.query(`create table inside (id int)`);
    const target = { schema: "public", table: "inside" };
    await h.connector.withSession(async (session) => {
      const query = queryOf(session);
      const described = await describeTarget(query, target);
      await query("begin");
      try {
        const error = await rejection(createStash(query, target, stashName("inside", "run"), described));
        expect(error.message).toBe("createStash must run outside a transaction: it commits its own (the session is in one)");
      } finally {
        await query("rollback");
      }
    });
  });
});
