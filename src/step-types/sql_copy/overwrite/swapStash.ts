/**
 * The swap: in one short transaction the completed stash becomes the target. Readers of the
 * target keep reading the old rows until the commit; a reader that arrives during the swap
 * waits for the lock and then, because PostgreSQL looks a table name up again after waiting for
 * a lock on it, reads the new table — no empty table, no mix, no error.
 *
 * The target is described again and compared with the description the stash was built from,
 * once before any lock (a change made during the copy fails the swap without holding anyone up)
 * and once all locks are held (for a change made since). Locks are taken in this order, each
 * wait bounded by lock_timeout: the stash, the tables whose foreign keys move, the views to
 * re-create, the target — views before their table, as a reader of a view takes them, so the two
 * cannot deadlock. Then every statement of the swap goes in one round trip, and the commit ends
 * the lock. The old table, renamed, is dropped after the commit.
 */
import { StepError } from "../../../errors/nomaflowError.js";
import { changedParts, prepareDescribeTarget, type DescribedTarget } from "./describeTarget.js";
import { viewLockStatements, viewReplaceStatements } from "./dependentViews.js";
import { incomingForeignKeySwapStatements, referencingTables, validateIncomingForeignKeys, type UnvalidatedForeignKey } from "./foreignKeys.js";
import { indexRenameStatements } from "./indexesAndKeys.js";
import { identitySequenceRenameStatements, sequenceSwapStatements } from "./ownedSequences.js";
import { displayName } from "../quoteIdentifier.js";
import { quoteIdentifier, qualifiedName } from "../../../sql/quoteSql.js";
import type { StashPlan } from "./stashTable.js";
import { oldTableName } from "./temporaryNames.js";
import { assertNoOpenTransaction, databaseMessageOf, executeInOneRoundTrip, inTransaction, setLockTimeout, sqlStateOf, type Query } from "../transaction.js";

export interface SwapOptions {
  /**
   * How long the swap may wait for each lock before giving up (the target is then unchanged and
   * swapStash may be called again with the same plan). Readers queue behind a waiting swap, so
   * this is also the longest they can be held up by the wait. Keep it below the server's
   * deadlock_timeout (1 s by default), so that in a lock conflict the swap, not a reader, yields.
   * @default 500
   */
  lockTimeoutMs?: number;
}

export interface SwapResult {
  /** From the moment all locks were held to the commit. */
  lockHeldMs: number;
  /**
   * Foreign keys of other tables that stayed NOT VALID because validation after the swap failed
   * (rows referring to keys the new rows lack appeared after completeStash checked them).
   */
  unvalidatedForeignKeys: UnvalidatedForeignKey[];
  /** Set when the old table could not be dropped after the swap, saying why; a later run drops it. */
  oldTableKept?: string;
}

/** How long to wait for the stash's lock (autovacuum gives way after deadlock_timeout); no reader waits on it. */
const STASH_LOCK_TIMEOUT_MS = 10_000;

/** Swaps the completed stash of `plan` in for its target. */
export async function swapStash(query: Query, plan: StashPlan, options: SwapOptions = {}): Promise<SwapResult> {
  await assertNoOpenTransaction(query, "swapStash");
  const lockTimeoutMs = options.lockTimeoutMs ?? 500;
  const target = displayName(plan.target.schema, plan.target.table);
  // Built before any lock is taken.
  const locks = lockStatements(plan);
  const swap = swapStatements(plan);

  let lockedAt = 0;
  let waitingFor = `the stash ${plan.stash}`;
  let waitedAtMost = STASH_LOCK_TIMEOUT_MS;
  let release = async () => {};
  try {
    await inTransaction(
      query,
      async () => {
        const prepared = await prepareDescribeTarget(query, plan.target, `nomaflow_describe_${plan.tag}`);
        release = prepared.release;
        // Read once before any lock: a change during the copy is found without holding anyone up.
        assertUnchanged(plan, await prepared.describe());
        await query(`LOCK TABLE ONLY ${qualifiedName(plan.target.schema, plan.stash)} IN ACCESS EXCLUSIVE MODE`);
        await setLockTimeout(query, lockTimeoutMs);
        [waitingFor, waitedAtMost] = [target, lockTimeoutMs];
        await executeInOneRoundTrip(query, locks);
        lockedAt = performance.now();
        // And again under the lock, for a change made since.
        assertUnchanged(plan, await prepared.describe());
        await executeInOneRoundTrip(query, swap);
      },
      { lockTimeoutMs: STASH_LOCK_TIMEOUT_MS },
    );
  } catch (error) {
    throw lockConflict(error, target, waitingFor, waitedAtMost) ?? rolledBack(error, target) ?? error;
  } finally {
    await release().catch(() => undefined);
  }
  const lockHeldMs = Math.round((performance.now() - lockedAt) * 10) / 10;
  const oldTableKept = await dropOldTable(query, plan);
  return { lockHeldMs, unvalidatedForeignKeys: await validateIncomingForeignKeys(query, plan), ...(oldTableKept === undefined ? {} : { oldTableKept }) };
}

function assertUnchanged(plan: StashPlan, now: DescribedTarget | undefined): void {
  if (now?.text === plan.descriptionText) return;
  const target = displayName(plan.target.schema, plan.target.table);
  const parts = now ? changedParts(plan.descriptionText, now.text) : ["it no longer exists"];
  throw new StepError(`${target} changed while it was being copied (${parts.join(", ")}), so the copy no longer matches it; nothing was swapped`, {
    retryable: true,
    hint: "run the step again: the next copy starts from the changed definition",
  });
}

function lockStatements(plan: StashPlan): string[] {
  return [
    ...referencingTables(plan).map((table) => `LOCK TABLE ONLY ${table} IN ACCESS EXCLUSIVE MODE`),
    ...viewLockStatements(plan),
    `LOCK TABLE ONLY ${qualifiedName(plan.target.schema, plan.target.table)} IN ACCESS EXCLUSIVE MODE`,
  ];
}

/** Every statement of the swap proper, in order; run while all locks are held. */
export function swapStatements(plan: StashPlan): string[] {
  const { schema, table } = plan.target;
  const old = oldTableName(table, plan.tag);
  return [
    `ALTER TABLE ${qualifiedName(schema, table)} RENAME TO ${quoteIdentifier(old)}`,
    `ALTER TABLE ${qualifiedName(schema, plan.stash)} RENAME TO ${quoteIdentifier(table)}`,
    ...viewReplaceStatements(plan),
    ...incomingForeignKeySwapStatements(plan),
    ...sequenceSwapStatements(plan),
    ...indexRenameStatements(plan),
    ...identitySequenceRenameStatements(plan),
  ];
}

/**
 * After the commit, in a transaction of its own: dropping a table also unlinks its files and
 * scans shared buffers for its pages, which takes time on a large server — not time readers of
 * the target should wait. No CASCADE: anything that still depends on the old table keeps it (and
 * the next run's findStashTables reports it as a leftover). Returns why it was kept, if it was.
 */
async function dropOldTable(query: Query, plan: StashPlan): Promise<string | undefined> {
  const old = qualifiedName(plan.target.schema, oldTableName(plan.target.table, plan.tag));
  try {
    await inTransaction(query, () => query(`DROP TABLE ${old}`), { lockTimeoutMs: STASH_LOCK_TIMEOUT_MS });
    return undefined;
  } catch (error) {
    return `${old} was kept: ${databaseMessageOf(error)}`;
  }
}

function lockConflict(error: unknown, target: string, waitingFor: string, waitedAtMost: number): StepError | undefined {
  const state = sqlStateOf(error);
  if (state !== "55P03" && state !== "40P01") return undefined;
  const what = state === "55P03" ? `could not lock ${waitingFor} within ${waitedAtMost} ms` : `gave way to another session in a lock conflict on ${waitingFor}`;
  return new StepError(`the swap ${what}; ${target} is unchanged`, {
    retryable: true,
    cause: error,
    hint: "another session holds a lock on the table (or its views, or a table referencing it): a long query or an open transaction; the swap can be tried again with the same stash",
  });
}

/** A database error from inside the swap's transaction: the server rolled it all back. */
function rolledBack(error: unknown, target: string): StepError | undefined {
  if (error instanceof StepError || sqlStateOf(error) === undefined) return undefined;
  return new StepError(`the swap into ${target} failed and was rolled back, so ${target} is unchanged: ${databaseMessageOf(error)}`, {
    retryable: false,
    cause: error,
  });
}
