/**
 * The demo's embedded databases: seeded once with the sample data, left alone when ready, seeded
 * again on --reset, and never deleted while another process has them open. Real PGlite folders,
 * kept small (each PGlite instance holds a few hundred MB whatever the data).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Connector } from "../../src/connectors/connector.js";
import { openPgliteConnector } from "../../src/connectors/pglite/pgliteConnector.js";
import { LOCK_FILE } from "../../src/connectors/pglite/folderLock.js";
import { demoFolders } from "../../src/demo/demoFolders.js";
import { DEMO_SIZES, lastNightSizes, opsDbStatements, reportingDbStatements } from "../../src/demo/sampleData.js";
import { seedDemoDatabases, seedReason, type SeededDatabase } from "../../src/demo/seedDemoDatabases.js";

const root = mkdtempSync(join(tmpdir(), "nomaflow-demo-seed-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const folders = demoFolders(root);
const sizes = { customers: 60, orders: 300 };

/** Runs `work` with a connector on each database, closed after: each open PGlite holds a few hundred MB. */
async function inspect<T>(work: (ops: Connector, reporting: Connector) => Promise<T>): Promise<T> {
  const ops = openPgliteConnector("ops-db", folders.opsDb);
  const reporting = openPgliteConnector("reporting-db", folders.reportingDb);
  try {
    return await work(ops, reporting);
  } finally {
    await Promise.all([ops.close(), reporting.close()]);
  }
}

const counts = async (connector: Connector, schema: string) =>
  connector.fetchrow(`select (select count(*) from ${schema}.customers)::int as customers, (select count(*) from ${schema}.orders)::int as orders`);

describe("sample data", () => {
  it("gives last night's copy a little fewer rows, close enough for the recipe's 50 % guard", () => {
    expect(lastNightSizes(DEMO_SIZES)).toEqual({ customers: 19_880, orders: 99_000 });
    expect(lastNightSizes({ customers: 1, orders: 5 })).toEqual({ customers: 1, orders: 4 });
  });

  it("refuses sizes that are not whole numbers of at least 1", () => {
    expect(() => opsDbStatements({ customers: 0, orders: 5 })).toThrow("customers must be a whole number of at least 1, not 0");
    expect(() => reportingDbStatements({ customers: 5, orders: 2.5 })).toThrow("orders must be");
  });
});

describe("seedDemoDatabases", () => {
  it("seeds both databases on first use, then leaves them alone", async () => {
    expect(await seedReason(folders, sizes)).toBe("first run");
    const seen: Array<SeededDatabase | "created"> = [];
    const first = await seedDemoDatabases({ folders, sizes, onCreated: () => seen.push("created"), onDatabase: (database) => seen.push(database) });
    expect(first).toMatchObject({ seeded: true, sizes });
    expect(seen.map((step) => (step === "created" ? step : { name: step.name, sizes: step.sizes }))).toEqual([
      "created",
      { name: "ops-db", sizes },
      { name: "reporting-db", sizes: { customers: 59, orders: 297 } },
    ]);

    await inspect(async (ops, reporting) => {
      expect(await counts(ops, "public")).toEqual(sizes);
      expect(await counts(reporting, "reporting")).toEqual({ customers: 59, orders: 297 });
      // Every order is by a customer who exists; last night's rows are today's first rows, unchanged.
      expect(await ops.fetch("select o.id from public.orders o left join public.customers c on c.id = o.customer_id where c.id is null")).toEqual([]);
      const sample = "select id, name, email, country, created_at::text from %s.customers where id in (1, 59) order by id";
      expect(await reporting.fetch(sample.replace("%s", "reporting"))).toEqual(await ops.fetch(sample.replace("%s", "public")));
      expect(await reporting.scalar("select sum(orders)::int from reporting.revenue_by_country")).toBe(
        297 - ((await reporting.scalar("select count(*)::int from reporting.orders where status not in ('paid', 'shipped')")) as number),
      );
      // A row added since must survive the second call below: nothing is seeded again.
      await ops.execute("insert into public.customers values (1000, 'Kept', 'kept@example.com', 'FR', now())");
    });
    expect(JSON.parse(readFileSync(folders.marker, "utf8"))).toMatchObject({ format: 1, customers: 60, orders: 300 });

    expect(await seedReason(folders, sizes)).toBeUndefined();
    expect(await seedDemoDatabases({ folders, sizes })).toEqual({ seeded: false, sizes, durationMs: 0 });
    expect(await inspect((ops) => counts(ops, "public"))).toEqual({ customers: 61, orders: 300 });
  });

  it("says why it must seed again: other sizes, a missing folder, --reset", async () => {
    expect(await seedReason(folders, { customers: 10, orders: 50 })).toBe("other sizes were asked for");
    expect(await seedReason(folders, sizes, true)).toBe("--reset");
    expect(await seedReason(demoFolders(join(root, "elsewhere")), sizes)).toBe("first run");
  });

  it("refuses to seed again while another process has a database open, and changes nothing", async () => {
    // Our parent process is alive on this host, so its lock is not stale.
    writeFileSync(join(folders.reportingDb, LOCK_FILE), `${process.ppid}\n${hostname()}\n`);
    try {
      await expect(seedDemoDatabases({ folders, sizes, reset: true })).rejects.toThrow(
        /connector reporting-db: cannot seed the demo database in .* again: .* is in use by another process \(pid \d+\)/,
      );
      expect(await seedReason(folders, sizes)).toBeUndefined();
    } finally {
      rmSync(join(folders.reportingDb, LOCK_FILE), { force: true });
    }
    expect(await inspect((ops) => counts(ops, "public"))).toEqual({ customers: 61, orders: 300 });
  });

  it("starts over from empty databases on --reset", async () => {
    const again = await seedDemoDatabases({ folders, sizes, reset: true });
    expect(again.seeded).toBe(true);
    expect(await inspect((ops) => counts(ops, "public"))).toEqual(sizes);
    expect(await seedReason(folders, sizes)).toBeUndefined();
  });
});
