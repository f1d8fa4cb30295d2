/**
 * Which version of the tables a state store holds, as `<schema>.migrations` records it, and whether
 * this nomaflow can use it. Only the daemon and `nomaflow state migrate` upgrade a store; every
 * other reader checks here and, for a store not yet upgraded, says what to run.
 */
import { ConfigError } from "../errors/nomaflowError.js";
import { VERSION } from "../identity/version.js";
import { LATEST_STATE_VERSION } from "./migrations.js";
import type { StatePool } from "./statePool.js";

/** Anything that runs a statement: the pool, or a client holding a lock. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface RecordedVersion {
  /** The newest version recorded; 0 when the schema or its migrations table is missing. */
  version: number;
  /** The nomaflow that applied it; null when nothing is recorded. */
  writtenBy: string | null;
}

export interface StateVersion extends RecordedVersion {
  /** The newest version this nomaflow knows. */
  known: number;
  /** The store is at the version this nomaflow knows. */
  ready: boolean;
  /** When not ready (empty or older): what to tell the user, ending with what to run. */
  notReady: string | undefined;
}

/** A version string from the database, bounded before it goes into a message. */
const shortText = (value: unknown): string | null => (typeof value === "string" ? value.slice(0, 64) : null);

/** The version recorded in the store; reads only, never creates anything. */
export async function readRecordedVersion(store: Pick<StatePool, "schema">, db: Queryable): Promise<RecordedVersion> {
  const table = `${store.schema}.migrations`;
  const { rows: found } = await db.query("select to_regclass($1) is not null as present", [table]);
  if (!(found[0] as { present: boolean } | undefined)?.present) return { version: 0, writtenBy: null };
  const { rows } = await db.query(`select version, nomaflow_version from ${table} order by version desc limit 1`);
  const newest = rows[0] as { version: unknown; nomaflow_version: unknown } | undefined;
  if (!newest) return { version: 0, writtenBy: null };
  const version = Number(newest.version);
  return { version: Number.isSafeInteger(version) && version >= 0 ? version : 0, writtenBy: shortText(newest.nomaflow_version) };
}

/**
 * The store's version for a reader: a ConfigError when a newer nomaflow wrote it (this one cannot
 * know its tables), else the version with `ready` false and the sentence to show when the store is
 * empty or older — callers decide whether that is an error or a fallback to local logs.
 */
export async function checkStateVersion(store: StatePool, known: number = LATEST_STATE_VERSION): Promise<StateVersion> {
  let recorded: RecordedVersion;
  try {
    recorded = await readRecordedVersion(store, store.pool);
  } catch (error) {
    throw store.failure(error);
  }
  refuseNewerStore(store, recorded, known);
  const where = `the state store (${store.describe()})`;
  const notReady =
    recorded.version === known
      ? undefined
      : recorded.version === 0
        ? `${where} is not set up yet: run nomaflow state migrate`
        : `${where} is at version ${recorded.version}, this nomaflow needs version ${known}: run nomaflow state migrate`;
  return { ...recorded, known, ready: notReady === undefined, notReady };
}

/** Throws when the store is at a version above `known`: its tables may have changed in ways this nomaflow cannot read or write. */
export function refuseNewerStore(store: Pick<StatePool, "describe">, recorded: RecordedVersion, known: number): void {
  if (recorded.version <= known) return;
  const writer = recorded.writtenBy;
  throw new ConfigError(
    `the state store (${store.describe()}) is at version ${recorded.version}${writer ? `, written by nomaflow ${writer}` : ""}; this nomaflow ${VERSION} knows up to version ${known}`,
    { hint: writer ? `upgrade nomaflow on this host to ${writer} or later` : "upgrade nomaflow on this host to the version the other hosts run" },
  );
}
