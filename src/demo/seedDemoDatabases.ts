/**
 * Seeds the demo's two embedded databases (PGlite) through Nomaflow's own connectors, once: a
 * marker file records what was seeded, and a later demo finds it and seeds nothing. Seeding again
 * (--reset, other sizes, a seeding that was cut short) starts from empty folders.
 */
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import type { Connector } from "../connectors/connector.js";
import { openPgliteConnector } from "../connectors/pglite/pgliteConnector.js";
import { lockFolder, LOCK_FILE } from "../connectors/pglite/folderLock.js";
import { ConnectorError } from "../errors/nomaflowError.js";
import { makeFolder } from "../files/makeFolder.js";
import type { DemoFolders } from "./demoFolders.js";
import { DEMO_SIZES, lastNightSizes, opsDbStatements, reportingDbStatements, type DemoSizes } from "./sampleData.js";

/** Bumped when the sample data changes shape, so older demo databases are seeded again. */
const MARKER_FORMAT = 1;

interface Marker {
  format: number;
  customers: number;
  orders: number;
  seeded_at: string;
}

export interface SeedOptions {
  folders: DemoFolders;
  /** @default DEMO_SIZES (20,000 customers, 100,000 orders) */
  sizes?: DemoSizes;
  /** Seed again even when the marker says the databases are ready. @default false */
  reset?: boolean;
  /** Called once both databases exist, empty (PostgreSQL's initdb, the slowest part of a first seeding). */
  onCreated?: (durationMs: number) => void;
  /** Called as each database is filled. */
  onDatabase?: (database: SeededDatabase) => void;
}

export interface SeededDatabase {
  name: "ops-db" | "reporting-db";
  /** The rows it holds now. */
  sizes: DemoSizes;
  durationMs: number;
}

export interface SeedResult {
  /** False when the databases were already there and nothing was done. */
  seeded: boolean;
  /** ops-db's rows. */
  sizes: DemoSizes;
  durationMs: number;
}

async function readMarker(path: string): Promise<Marker | undefined> {
  try {
    const marker = JSON.parse(await readFile(path, "utf8")) as Partial<Marker>;
    return marker.format === MARKER_FORMAT && typeof marker.customers === "number" && typeof marker.orders === "number" ? (marker as Marker) : undefined;
  } catch {
    return undefined;
  }
}

const hasDatabase = (folder: string) => existsSync(join(folder, "PG_VERSION"));

/**
 * Why the databases must be seeded before the demo runs (`first run`, `--reset`, …), or
 * undefined when they are ready.
 */
export async function seedReason(folders: DemoFolders, sizes: DemoSizes = DEMO_SIZES, reset = false): Promise<string | undefined> {
  if (reset) return "--reset";
  const marker = await readMarker(folders.marker);
  if (!marker) return existsSync(folders.opsDb) || existsSync(folders.reportingDb) ? "an earlier seeding did not finish" : "first run";
  if (!hasDatabase(folders.opsDb) || !hasDatabase(folders.reportingDb)) return "a database folder is missing";
  if (marker.customers !== sizes.customers || marker.orders !== sizes.orders) return "other sizes were asked for";
  return undefined;
}

/** Seeds both databases unless they are ready. */
export async function seedDemoDatabases(options: SeedOptions): Promise<SeedResult> {
  const { folders } = options;
  const sizes = options.sizes ?? DEMO_SIZES;
  const started = performance.now();
  if ((await seedReason(folders, sizes, options.reset)) === undefined) return { seeded: false, sizes, durationMs: 0 };

  await removeDatabases(folders);
  await makeFolder(folders.root);
  // PGlite's initdb is most of a first open's time (seconds) and memory: it runs once, and the
  // empty database, cleanly closed, is copied for the second one.
  await withConnector("ops-db", folders.opsDb, (connector) => connector.scalar("select 1"));
  await cp(folders.opsDb, folders.reportingDb, { recursive: true, filter: (source) => basename(source) !== LOCK_FILE });
  options.onCreated?.(performance.now() - started);

  await fill("ops-db", folders.opsDb, opsDbStatements(sizes), sizes, options.onDatabase);
  await fill("reporting-db", folders.reportingDb, reportingDbStatements(sizes), lastNightSizes(sizes), options.onDatabase);
  const marker: Marker = { format: MARKER_FORMAT, customers: sizes.customers, orders: sizes.orders, seeded_at: new Date().toISOString() };
  await writeFile(folders.marker, `${JSON.stringify(marker, null, 2)}\n`);
  return { seeded: true, sizes, durationMs: performance.now() - started };
}

async function withConnector<T>(name: string, folder: string, work: (connector: Connector) => Promise<T>): Promise<T> {
  const connector = openPgliteConnector(name, folder);
  try {
    return await work(connector);
  } finally {
    // Closed before the next one opens: an open PGlite instance holds a few hundred MB.
    await connector.close();
  }
}

/** Runs `statements` in one transaction: a seeding cut short leaves no half-filled database behind the marker. */
async function fill(
  name: SeededDatabase["name"],
  folder: string,
  statements: string[],
  sizes: DemoSizes,
  onDatabase: SeedOptions["onDatabase"],
): Promise<void> {
  const started = performance.now();
  await withConnector(name, folder, (connector) =>
    connector.withSession(async (session) => {
      await session.query("BEGIN");
      for (const statement of statements) await session.query(statement);
      await session.query("COMMIT");
    }),
  );
  onDatabase?.({ name, sizes, durationMs: performance.now() - started });
}

/** Deletes the marker and both folders, refusing while another process has a database open. */
async function removeDatabases(folders: DemoFolders): Promise<void> {
  const present = [folders.opsDb, folders.reportingDb].filter((folder) => existsSync(folder));
  // Both locks first, so that a refusal leaves both folders (and the marker) as they were.
  const unlocks: Array<() => Promise<void>> = [];
  for (const folder of present) {
    try {
      unlocks.push(await lockFolder(folder));
    } catch (error) {
      await Promise.all(unlocks.map((unlock) => unlock()));
      throw new ConnectorError(basename(folder), `cannot seed the demo database in ${folder} again: ${(error as Error).message}`, { cause: error });
    }
  }
  await rm(folders.marker, { force: true });
  for (const folder of present) await rm(folder, { recursive: true, force: true });
}
