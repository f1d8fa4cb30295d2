/**
 * Retention (`state.keep_days`): fires, runs, events and daemon rows older than that go. A job's
 * latest fire is kept whatever its age: it says where the job's schedule stands. One daemon prunes
 * at a time (a transaction-level advisory lock; the others skip this round).
 */
import type { StoreSql } from "./storeSql.js";

export interface Pruned {
  runs: number;
  events: number;
  fires: number;
  daemons: number;
}

/** What was removed; undefined when another daemon is pruning. */
export async function pruneStore(sql: StoreSql, keepDays: number): Promise<Pruned | undefined> {
  const s = sql.schema;
  const cutoff = `${sql.now} - $1 * interval '1 day'`;
  const client = await sql.pool.connect();
  sql.statements += 7;
  try {
    await client.query("begin");
    const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_xact_lock(hashtextextended($1, 0)) as locked", [`nomaflow-prune:${s}`]);
    let pruned: Pruned | undefined;
    if (rows[0]?.locked) {
      const events = await client.query(`delete from ${s}.run_events e using ${s}.runs r where e.run_id = r.run_id and r.ended_at < ${cutoff}`, [keepDays]);
      const runs = await client.query(`delete from ${s}.runs where coalesce(ended_at, abandoned_at) < ${cutoff}`, [keepDays]);
      const fires = await client.query(
        `delete from ${s}.fires f where f.claimed_at < ${cutoff}
            and exists (select 1 from ${s}.fires g where g.job_id = f.job_id and g.scheduled_for > f.scheduled_for)`,
        [keepDays],
      );
      const daemons = await client.query(`delete from ${s}.daemons where coalesce(stopped_at, dead_at) < ${cutoff}`, [keepDays]);
      pruned = { runs: runs.rowCount ?? 0, events: events.rowCount ?? 0, fires: fires.rowCount ?? 0, daemons: daemons.rowCount ?? 0 };
    }
    await client.query("commit");
    return pruned;
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
