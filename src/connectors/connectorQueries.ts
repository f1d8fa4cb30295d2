/**
 * The one-statement conveniences of a connector (`scalar`, `fetch`, `fetchrow`, `execute`,
 * `describe`), built on its `withSession`, so every kind of connector answers them alike.
 */
import type { Connector } from "./connector.js";

export type ConnectorQueries = Pick<Connector, "scalar" | "fetch" | "fetchrow" | "execute" | "describe">;

export function connectorQueries(withSession: Connector["withSession"]): ConnectorQueries {
  const single = (sql: string, params: readonly unknown[] | undefined, options: Parameters<Connector["scalar"]>[2]) =>
    withSession((session) => session.query(sql, params), options);
  return {
    scalar: async (sql, params, options) => {
      const result = await single(sql, params, options);
      const row = result.rows[0];
      const field = result.fields[0];
      return row && field ? (row[field.name] ?? null) : null;
    },
    fetch: async (sql, params, options) => (await single(sql, params, options)).rows,
    fetchrow: async (sql, params, options) => (await single(sql, params, options)).rows[0] ?? null,
    execute: async (sql, params, options) => (await single(sql, params, options)).rowCount,
    describe: (options) =>
      withSession(async (session) => {
        const version = String((await session.query("select version() as version")).rows[0]?.version ?? "");
        const started = performance.now();
        await session.query("select 1");
        return { version, latencyMs: performance.now() - started };
      }, options),
  };
}
