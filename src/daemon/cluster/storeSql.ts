/**
 * The cluster store's statements go through here: the schema and the store's clock written once,
 * every statement counted (for /metrics), and a failure to reach the server noted, so claiming
 * stops at once rather than at the next renewal.
 */
import type pg from "pg";

export class StoreSql {
  /** Statements sent, for `nomaflow_state_statements_total`. */
  statements = 0;
  /** False from a failure to reach the server until a renewal succeeds. */
  up = false;

  /**
   * @param schema the state schema, quoted
   * @param now the store's time as SQL (tests pass a clock of their own)
   */
  constructor(
    readonly pool: pg.Pool,
    readonly schema: string,
    readonly now: string = "clock_timestamp()",
  ) {}

  async query<Row extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<Row>> {
    this.statements++;
    try {
      return await this.pool.query<Row>(sql, params);
    } catch (error) {
      if (isConnectionError(error)) this.up = false;
      throw error;
    }
  }

  async execute(sql: string, params: unknown[]): Promise<void> {
    await this.query(sql, params);
  }
}

/** A failure to reach the server, as opposed to an error in a statement. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  if (typeof code === "string" && /^(08|57P0)/.test(code)) return true;
  const message = (error as Error).message ?? "";
  return typeof code === "string" ? /^E(CONN|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH)/.test(code) : /terminated|timeout|Connection/i.test(message);
}
