/**
 * The state store's tables, as numbered migrations. Each runs once, in order, in a transaction of
 * its own, and is recorded in `migrations` with the nomaflow version that applied it. A migration
 * only adds: it never drops a table or a column holding users' history.
 *
 * Every time the store judges (leases, claims) is the store's clock, `clock_timestamp()`, never a
 * host's: hosts' clocks may disagree, the server's is one.
 */

export interface Migration {
  version: number;
  name: string;
  /** The statements, for the schema named by `schema` (already quoted). */
  sql(schema: string): string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "daemons, fires and job locks",
    sql: (s) => `
      create table ${s}.daemons (
        id text primary key,
        host text not null,
        pid integer not null,
        version text not null,
        project_revision text not null,
        definitions_hash text not null,
        max_runs integer,
        started_at timestamptz not null default clock_timestamp(),
        heartbeat_at timestamptz not null default clock_timestamp(),
        lease_until timestamptz not null,
        runs_going integer not null default 0,
        stopped_at timestamptz,
        dead_at timestamptz,
        declared_dead_by text
      );
      create index daemons_alive on ${s}.daemons (lease_until) where stopped_at is null and dead_at is null;
      create table ${s}.fires (
        job_id text not null,
        scheduled_for timestamptz not null,
        daemon_id text not null,
        claimed_at timestamptz not null default clock_timestamp(),
        run_id text,
        primary key (job_id, scheduled_for)
      );
      create index fires_claimed_at on ${s}.fires (claimed_at);
      create table ${s}.job_locks (
        job_id text primary key,
        daemon_id text not null,
        run_id text,
        locked_at timestamptz not null default clock_timestamp()
      );
      create index job_locks_daemon on ${s}.job_locks (daemon_id);
    `,
  },
  {
    version: 2,
    name: "run history",
    sql: (s) => `
      create table ${s}.runs (
        run_id text primary key,
        job_id text not null,
        daemon_id text,
        host text not null,
        pid integer not null,
        trigger text not null,
        scheduled_for text,
        status text not null,
        started_at timestamptz not null,
        ended_at timestamptz,
        duration_ms double precision,
        failed_step text,
        error text,
        events_missing integer not null default 0,
        recovery_of text unique,
        abandoned_at timestamptz,
        abandoned_by text,
        abandoned_reported_at timestamptz,
        recovery_claimed_by text
      );
      create index runs_job on ${s}.runs (job_id, run_id desc);
      create index runs_going on ${s}.runs (daemon_id) where status = 'running';
      create index runs_ended on ${s}.runs (ended_at);
      -- json, not jsonb: an event reads back as its run log line wrote it, keys in their order.
      create table ${s}.run_events (
        run_id text not null,
        seq integer not null,
        ts timestamptz not null,
        event json not null,
        primary key (run_id, seq)
      );
      create index run_events_ts on ${s}.run_events (ts);
    `,
  },
];

/** The newest version this nomaflow knows. */
export const LATEST_STATE_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
