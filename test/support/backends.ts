/**
 * One suite, two backends, as pg-boss runs its tests: `describeOnBackends` runs its body once on a
 * PostgreSQL server (a database of its own; skipped with one line without NOMAFLOW_TEST_PG_URL)
 * and once on PGlite (a folder copied from the template, opened through the `pglite:` connector).
 * A test that needs what a backend lacks is skipped there by `backend.itNeeds`, so the skip is
 * visible by name. When a test failed, the database or folder is kept as evidence and named.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, it, type TestFunction } from "vitest";
import type { Connector } from "../../src/connectors/connector.js";
import { openPgliteConnector } from "../../src/connectors/pglite/pgliteConnector.js";
import { openPostgresConnector } from "../../src/connectors/postgres/postgresConnector.js";
import { queryOf, type Query } from "../../src/step-types/sql_copy/transaction.js";
import { freshPgliteFolder } from "./pgliteTemplate.js";
import { createDatabase, PG_URL, trackFailures, type TestDatabase } from "./postgres.js";

export type BackendName = "postgres" | "pglite";

/**
 * What PGlite lacks. `sessions`: more than one session at a time — no concurrent readers or lock
 * holders, and no fresh session for cleaning up beside the step's own. `roles`: logins as other
 * roles (PGlite has one user) and cluster-wide roles.
 */
export type Capability = "sessions" | "roles";

const CAPABILITIES: Record<BackendName, readonly Capability[]> = { postgres: ["sessions", "roles"], pglite: [] };

/** A row set as tests read it. */
export interface Rows {
  rows: Record<string, unknown>[];
  rowCount: number;
}

export interface Backend {
  readonly name: BackendName;
  /** The connector URL nomaflow.yaml gives for it: a `postgres://` URL or a `pglite:` folder. */
  readonly url: string;
  /** A connector on it, as a step gets one. */
  readonly connector: Connector;
  /**
   * Runs SQL (several statements when there are no parameters) for setting up and checking:
   * on a server always on one client of its own, so `set role` or `begin` carry over to the
   * next call; on PGlite on a session of the connector. Rejects with the database error (`code`).
   */
  query(sql: string, params?: unknown[]): Promise<Rows>;
  /** Runs `work` on one session of the connector, as a step's code runs (BEGIN … COMMIT stay together). */
  session<T>(work: (query: Query) => Promise<T>): Promise<T>;
  /** Another client to the same database, closed at the end (needs `sessions`). */
  connect(): Promise<pg.Client>;
  /** A role with a unique name, dropped at the end on a server. */
  createRole(label: string): Promise<string>;
  has(capability: Capability): boolean;
  /** `it`, skipped on a backend that lacks `capability`. */
  itNeeds(capability: Capability, name: string, test: TestFunction): void;
}

/** Runs `body` once per backend, each in a `describe` named after the suite and the backend. */
export function describeOnBackends(name: string, body: (backend: Backend) => void): void {
  for (const backendName of ["postgres", "pglite"] as const) {
    const label = `${name} [${backendName}]`;
    if (backendName === "postgres" && !PG_URL) {
      console.log(`skipped (no PostgreSQL: set NOMAFLOW_TEST_PG_URL to run): ${label}`);
      describe.skip(label, () => body(openBackend(backendName, name)));
      continue;
    }
    describe(label, () => {
      const backend = openBackend(backendName, name);
      const failed = trackFailures();
      beforeAll(() => backend.open());
      afterAll(() => backend.close(failed()));
      body(backend);
    });
  }
}

interface OpenableBackend extends Backend {
  open(): Promise<void>;
  /** Closes and removes the database or folder, or keeps it as evidence when `keep`. */
  close(keep: boolean): Promise<void>;
}

function openBackend(name: BackendName, suite: string): OpenableBackend {
  const label = suite.replace(/[^a-z0-9]+/gi, "_").slice(0, 30);
  let database: TestDatabase | undefined;
  let root: string | undefined;
  let url = "";
  let connector: Connector | undefined;
  /** The server's client for `query`. */
  let setup: pg.Client | undefined;
  const clients: pg.Client[] = [];
  const roles: string[] = [];
  const has = (capability: Capability) => CAPABILITIES[name].includes(capability);

  const backend: OpenableBackend = {
    name,
    get url() {
      return url;
    },
    get connector() {
      if (!connector) throw new Error(`the ${name} backend is not open yet (use it inside a test or hook)`);
      return connector;
    },
    async open() {
      if (name === "postgres") {
        database = await createDatabase(label);
        url = database.url;
        connector = openPostgresConnector(name, url);
        setup = new pg.Client({ connectionString: url });
        await setup.connect();
      } else {
        root = mkdtempSync(join(tmpdir(), `nomaflow-${label}-`));
        const folder = await freshPgliteFolder(join(root, "db"));
        url = `pglite:${folder}`;
        connector = openPgliteConnector(name, folder);
      }
    },
    async close(keep) {
      await Promise.all([setup, ...clients].map((client) => client?.end().catch(() => {})));
      await connector?.close();
      if (database) await database.drop(keep);
      if (roles.length > 0) {
        const admin = new pg.Client({ connectionString: PG_URL });
        await admin.connect();
        try {
          for (const role of roles) await admin.query(`drop role if exists ${quoteRole(role)}`);
        } finally {
          await admin.end();
        }
      }
      if (root === undefined) return;
      if (keep) console.log(`kept PGlite folder ${root} of a failed test, as evidence`);
      else rmSync(root, { recursive: true, force: true });
    },
    async query(sql, params) {
      if (setup) {
        // Several statements give one result each: the last one is the answer, as on PGlite.
        const results = (await setup.query(sql, params)) as pg.QueryResult | pg.QueryResult[];
        const result = Array.isArray(results) ? results.at(-1)! : results;
        return { rows: result.rows as Record<string, unknown>[], rowCount: result.rowCount ?? 0 };
      }
      try {
        return await backend.connector.withSession(async (session) => {
          const result = await session.query(sql, params);
          return { rows: result.rows as Record<string, unknown>[], rowCount: result.rowCount };
        });
      } catch (error) {
        throw databaseErrorOf(error);
      }
    },
    session(work) {
      return backend.connector.withSession((session) => work(queryOf(session)));
    },
    async connect() {
      if (!has("sessions")) throw new Error(`${name} has one session at a time; mark the test itNeeds("sessions")`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      clients.push(client);
      return client;
    },
    async createRole(roleLabel) {
      const role = `nomaflow_test_${roleLabel}_${randomBytes(4).toString("hex")}`;
      await backend.query(`create role ${quoteRole(role)}`);
      if (name === "postgres") roles.push(role);
      return role;
    },
    has,
    itNeeds(capability, testName, test) {
      it.skipIf(!has(capability))(testName, test);
    },
  };
  return backend;
}

const quoteRole = (role: string) => `"${role.replaceAll('"', '""')}"`;

/** The database's own error (with its `code`), also when a connector wrapped it. */
function databaseErrorOf(error: unknown): unknown {
  for (let current = error; current instanceof Object; current = (current as { cause?: unknown }).cause) {
    if (typeof (current as { code?: unknown }).code === "string") return current;
  }
  return error;
}
