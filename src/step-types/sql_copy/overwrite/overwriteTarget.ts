/**
 * `overwrite` of an existing table: load a stash table beside the target, then swap it in (see
 * swapStash.ts for what the swap keeps). The stash is committed as it is built, so a failure
 * drops it here, and a run killed mid-way leaves one that the next run of the step drops first.
 */
import type { Connector, Session } from "../../../connectors/connector.js";
import { StepError } from "../../../errors/nomaflowError.js";
import { withRetries } from "../../../errors/withRetries.js";
import type { StepRunContext } from "../../stepType.js";
import { throwUnlessSwappable } from "./checkSwappable.js";
import { describeTarget, type DescribedTarget } from "./describeTarget.js";
import { completeStash } from "./completeStash.js";
import { displayName, type TableName } from "../quoteIdentifier.js";
import { createStash, dropStash, findStashTables, stashName, type StashPlan } from "./stashTable.js";
import { swapStash } from "./swapStash.js";
import { swapRefusals } from "./swapRefusals.js";
import { queryOf } from "../transaction.js";

/** Tries of the swap alone when its lock wait times out (readers holding the table). */
const SWAP_TRIES = 5;
const SWAP_LOCK_TIMEOUT_MS = 500;

/** auto: a swap where one can be done, else a replace in one transaction. */
export type OverwriteMethod = "auto" | "swap" | "replace";

/** How prepareOverwrite decided; a swap carries the target's description, read once, for overwriteTarget. */
export type PreparedOverwrite = { method: "swap"; described: DescribedTarget } | { method: "replace" };

/**
 * How an existing table is overwritten. A swap is refused before any data moves when it cannot
 * carry something over (a partitioned table, a materialized view reading it, …): then `auto`
 * replaces the rows in one transaction instead and says why. Leftovers of killed swaps are dropped.
 */
export async function prepareOverwrite(session: Session, target: TableName, context: StepRunContext, asked: OverwriteMethod): Promise<PreparedOverwrite> {
  const name = displayName(target.schema, target.table);
  if (asked === "replace") {
    context.log("info", `overwriting ${name} by replacing its rows in one transaction (overwrite_method: replace)`);
    return { method: "replace" };
  }
  const query = queryOf(session);
  const described = await describeTarget(query, target);
  // Gone since the step looked (dropped meanwhile): said as createStash would say it.
  if (asked === "swap" || !described) throwUnlessSwappable(target, described);
  const refusals = swapRefusals(described.description);
  if (refusals.length > 0) {
    context.log("info", `overwriting ${name} by replacing its rows in one transaction, since a swap cannot be done: ${refusals.join("; ")}`);
    return { method: "replace" };
  }
  for (const leftover of await findStashTables(query, target.schema, target.table)) {
    await dropStash(query, target, leftover);
    context.log("info", `dropped ${displayName(target.schema, leftover)}, left by an earlier run that did not finish`);
  }
  return { method: "swap", described };
}

export interface OverwriteResult {
  lockHeldMs: number;
}

/**
 * Creates the stash from `described` (prepareOverwrite's reading of the target), lets `load` fill
 * it (COPY into the table it is given), builds its keys and indexes, and swaps it in,
 * trying the swap again while readers keep it from its lock — unless `signal` aborts. On any
 * failure the stash is dropped from a fresh session (the step's own may have been cancelled)
 * and the target is left as it was.
 */
export async function overwriteTarget(
  session: Session,
  sink: Connector,
  described: DescribedTarget,
  context: StepRunContext,
  signal: AbortSignal,
  load: (stash: TableName) => Promise<number>,
): Promise<OverwriteResult> {
  const query = queryOf(session);
  const target: TableName = { schema: described.description.table.schema, table: described.description.table.name };
  const plan: StashPlan = await createStash(query, target, stashName(target.table, context.runId), described);
  try {
    await load({ schema: target.schema, table: plan.stash });
    await completeStash(query, plan);
    const name = displayName(target.schema, target.table);
    const swapped = await withRetries(() => swapStash(query, plan, { lockTimeoutMs: SWAP_LOCK_TIMEOUT_MS }), {
      tries: SWAP_TRIES,
      retryable: (error) => error instanceof StepError && error.retryable,
      waitMs: (tryNumber) => 200 * tryNumber,
      onFailure: (_error, tryNumber, waitMs) => {
        if (waitMs !== null) context.log("info", `swap of ${name} waited too long for its lock; trying again (${tryNumber}/${SWAP_TRIES})`);
      },
      // The step's timeout or a cancel ends the wait at once (with the signal's reason), not after it.
      signal,
    });
    if (!swapped.ok) {
      if (swapped.interrupted) signal.throwIfAborted();
      throw swapped.error;
    }
    if (swapped.value.oldTableKept) context.log("warning", swapped.value.oldTableKept);
    for (const key of swapped.value.unvalidatedForeignKeys) context.log("warning", `foreign key ${JSON.stringify(key)} stays NOT VALID after the swap`);
    return { lockHeldMs: Math.round(swapped.value.lockHeldMs * 100) / 100 };
  } catch (error) {
    await sink
      .withSession((cleanup) => dropStash(queryOf(cleanup), target, plan.stash), { applicationName: context.applicationName })
      .catch(() => {
        // Left for the next run, which drops leftovers before it starts.
      });
    throw error;
  }
}
