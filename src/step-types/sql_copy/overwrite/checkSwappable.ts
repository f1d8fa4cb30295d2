/**
 * The refusals of an overwrite swap as an error, checked before anything is copied.
 */
import { StepError } from "../../../errors/nomaflowError.js";
import { describeTarget, type DescribedTarget } from "./describeTarget.js";
import { displayName, type TableName } from "../quoteIdentifier.js";
import { swapRefusals } from "./swapRefusals.js";
import type { Query } from "../transaction.js";

/**
 * Reads the target's description; throws a StepError (not retryable) saying why `target` cannot be
 * overwritten by a swap, else returns the description for createStash.
 */
export async function checkSwappable(query: Query, target: TableName): Promise<DescribedTarget> {
  const described = await describeTarget(query, target);
  throwUnlessSwappable(target, described);
  return described;
}

export function throwUnlessSwappable(target: TableName, described: DescribedTarget | undefined): asserts described is DescribedTarget {
  const name = displayName(target.schema, target.table);
  if (!described) {
    throw new StepError(`overwrite target ${name} does not exist`, { retryable: false, hint: "create it first; only an existing table is swapped" });
  }
  const refusals = swapRefusals(described.description);
  if (refusals.length > 0) {
    throw new StepError(`cannot overwrite ${name} by a swap: ${refusals.join("; ")}`, {
      retryable: false,
      hint: "overwrite_method: auto (the default) or replace replaces the rows in one transaction instead",
    });
  }
}
