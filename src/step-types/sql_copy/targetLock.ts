/**
 * The advisory lock that keeps two runs from writing one target table at once. The session that
 * holds it carries its run id in application_name, so a run that has to wait can say which run it
 * waits for; the wait is timed apart from the copy.
 */
import type { Session } from "../../connectors/connector.js";
import type { StepRunContext } from "../stepType.js";

/** PostgreSQL keeps the first NAMEDATALEN - 1 bytes of application_name. */
const APPLICATION_NAME_BYTES = 63;

/** `nomaflow:<job>:<step>:<run id>`, the job and step shortened when needed so the run id stays whole. */
function holderName(context: StepRunContext): string {
  const suffix = `:${context.runId}`;
  let name = context.applicationName;
  while (Buffer.byteLength(name + suffix) > APPLICATION_NAME_BYTES) name = name.slice(0, -1);
  return name + suffix;
}

/** Who holds the lock: the run id from its application_name, or what else is known of it. */
async function describeHolder(session: Session, key: string): Promise<string> {
  const found = await session.query(
    `select a.pid, a.application_name from pg_catalog.pg_locks l join pg_catalog.pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.objsubid = 1 and l.database = (select oid from pg_catalog.pg_database where datname = current_database())
        and ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)`,
    [key],
  );
  const holder = found.rows[0] as { pid: number; application_name: string } | undefined;
  if (!holder) return "another run";
  const named = /^nomaflow:(.*):(\d{8}T\d{9}Z-[a-z2-7]{6})$/.exec(holder.application_name);
  if (named) {
    const [job, ...step] = named[1]!.split(":");
    return `run ${named[2]} (job ${job}${step.length > 0 ? `, step ${step.join(":")}` : ""})`;
  }
  return `another session (pid ${holder.pid}${holder.application_name ? `, ${holder.application_name}` : ""})`;
}

/**
 * Takes the lock on `key` for the session's lifetime, waiting for the run that holds it if any
 * (logged, with its run id). Resolves with the milliseconds waited.
 */
export async function lockTarget(session: Session, key: string, targetName: string, context: StepRunContext): Promise<number> {
  await session.query("select pg_catalog.set_config('application_name', $1, false)", [holderName(context)]);
  const locked = await session.query("select pg_try_advisory_lock(hashtextextended($1, 0)) as locked", [key]);
  if (locked.rows[0]?.locked === true) return 0;
  const holder = await describeHolder(session, key);
  context.log("info", `waiting for ${holder}, which is writing ${targetName}`);
  const started = performance.now();
  await session.query("select pg_advisory_lock(hashtextextended($1, 0))", [key]);
  const waitedMs = Math.round(performance.now() - started);
  context.log("info", `waited ${(waitedMs / 1000).toFixed(2)} s for ${holder} to finish writing ${targetName}`);
  return waitedMs;
}
