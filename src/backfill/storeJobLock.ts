/**
 * A backfill run's hold on its job in the state store: the job's row in `job_locks`, taken as a
 * daemon takes it for a forbid run (free, or held by a run that is no longer running), with the
 * run's row in `runs` written in the same statement, so that the lock always names a run whose
 * end frees it. A run of `nomaflow` on this host whose process is gone (killed before it ended)
 * is marked abandoned here, as a daemon on this host would, and its lock taken over.
 */
import type { IsAlive } from "../files/processIsAlive.js";
import type { StatePool } from "../state/statePool.js";

export interface StoreLockRequest {
  jobId: string;
  runId: string;
  scheduledFor: string;
  host: string;
  pid: number;
}

/** The holder named in `job_locks.daemon_id` for a lock that no daemon holds. */
function holderName(host: string, pid: number): string {
  return `backfill@${host}:${pid}`;
}

export async function takeStoreJobLock(
  store: StatePool,
  request: StoreLockRequest,
  isAlive: IsAlive,
): Promise<{ acquired: true } | { acquired: false; heldBy: string }> {
  const s = store.schema;
  for (let attempt = 0; ; attempt++) {
    const { rows } = await store.pool.query<{
      acquired: boolean;
      held_by: string | null;
      holder_host: string | null;
      holder_pid: number | null;
      holder_daemon: string | null;
    }>(
      `with taken as (
         insert into ${s}.job_locks as l (job_id, daemon_id, run_id, locked_at)
         values ($1, $3, $2, clock_timestamp())
         on conflict (job_id) do update set daemon_id = excluded.daemon_id, run_id = excluded.run_id, locked_at = excluded.locked_at
          where exists (select 1 from ${s}.runs r where r.run_id = l.run_id and r.status <> 'running')
         returning run_id
       ), started as (
         insert into ${s}.runs (run_id, job_id, daemon_id, host, pid, trigger, scheduled_for, status, started_at)
         select $2, $1, null, $4, $5, 'backfill', $6, 'running', clock_timestamp() from taken
         on conflict (run_id) do nothing
         returning 1
       )
       select exists (select 1 from taken) as acquired, l.run_id as held_by, r.host as holder_host, r.pid as holder_pid, r.daemon_id as holder_daemon
         from (select 1) as one
         left join ${s}.job_locks l on l.job_id = $1
         left join ${s}.runs r on r.run_id = l.run_id`,
      [request.jobId, request.runId, holderName(request.host, request.pid), request.host, request.pid, request.scheduledFor],
    );
    const row = rows[0]!;
    if (row.acquired) return { acquired: true };
    const heldBy = row.held_by ?? "a run of another daemon";
    // A run by hand on this host whose process is gone will never end: it is abandoned, once.
    const gone =
      attempt === 0 && row.holder_daemon === null && row.holder_host === request.host && row.holder_pid !== null && !isAlive(request.host, row.holder_pid);
    if (!gone) return { acquired: false, heldBy };
    await store.pool.query(
      `update ${s}.runs set status = 'abandoned', abandoned_at = clock_timestamp(), abandoned_by = $2 where run_id = $1 and status = 'running'`,
      [row.held_by, holderName(request.host, request.pid)],
    );
  }
}

/** Frees the job's lock if run `runId` still holds it. */
export async function releaseStoreJobLock(store: StatePool, jobId: string, runId: string): Promise<void> {
  await store.pool.query(`delete from ${store.schema}.job_locks where job_id = $1 and run_id = $2`, [jobId, runId]);
}
