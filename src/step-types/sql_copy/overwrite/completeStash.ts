/**
 * After the load, everything that can be made ready before the swap's lock: the stash gets the
 * target's indexes and keys (built once over all rows, faster than maintained row by row),
 * foreign keys (validated here), triggers, policies, row-level security, table comment, owner
 * and grants, and is vacuumed and analysed so the planner knows it the moment it is swapped in.
 * Readers are not affected by any of it: nobody reads the stash.
 */
import { StepError } from "../../../errors/nomaflowError.js";
import { addForeignKeysToStash, checkIncomingReferences } from "./foreignKeys.js";
import { carriedIndexes, stashIndexStatements } from "./indexesAndKeys.js";
import { identitySequencePrivilegeStatements } from "./ownedSequences.js";
import { displayName } from "../quoteIdentifier.js";
import { quoteIdentifier, quoteLiteral, qualifiedName } from "../../../sql/quoteSql.js";
import type { StashPlan } from "./stashTable.js";
import { grantStatements, readPrivileges, replacePrivilegesStatements } from "./tablePrivileges.js";
import { temporaryIndexName } from "./temporaryNames.js";
import { assertNoOpenTransaction, databaseMessageOf, inTransaction, sqlStateOf, type Query } from "../transaction.js";
import { triggerAndPolicyStatements } from "./triggersAndPolicies.js";

/**
 * Prepares the loaded stash of `plan` for swapStash. Throws a StepError when the new rows break a
 * unique, exclusion or foreign key of the target, or lack keys that rows of other tables refer
 * to; the target is untouched either way, and the caller drops the stash.
 */
export async function completeStash(query: Query, plan: StashPlan): Promise<void> {
  await assertNoOpenTransaction(query, "completeStash");
  const { schema } = plan.target;
  const { table, columns } = plan.description;
  const stash = qualifiedName(schema, plan.stash);
  const run = (statements: string[]) =>
    inTransaction(query, async () => {
      for (const statement of statements) await query(statement);
    });

  try {
    await run(stashIndexStatements(plan));
    await addForeignKeysToStash(query, plan);
  } catch (error) {
    throw rowsDoNotFit(error, plan) ?? error;
  }
  await checkIncomingReferences(query, plan);
  // Triggers only now: none fires for the copied rows. The owner before the grants, which are then the owner's.
  await run([
    ...triggerAndPolicyStatements(plan),
    ...(table.comment === null ? [] : [`COMMENT ON TABLE ${stash} IS ${quoteLiteral(table.comment)}`]),
    `ALTER TABLE ${stash} OWNER TO ${quoteIdentifier(table.owner)}`,
  ]);
  const current = await readPrivileges(query, schema, plan.stash, "r");
  await run([
    ...replacePrivilegesStatements(`TABLE ${stash}`, current, table.privileges),
    ...columns.flatMap((column) => grantStatements(`TABLE ${stash}`, column.privileges, column.name)),
    ...(await identitySequencePrivilegeStatements(query, plan)),
  ]);
  // Also keeps autovacuum from taking the stash's lock just when the swap wants it.
  await query(`VACUUM (ANALYZE) ${stash}`);
}

/**
 * A unique, exclusion or foreign key violated by the new rows, said in the target's names (the
 * server's message names the stash and the temporary index names).
 */
function rowsDoNotFit(error: unknown, plan: StashPlan): StepError | undefined {
  if (!sqlStateOf(error)?.startsWith("23")) return undefined;
  const { schema, table } = plan.target;
  let message = databaseMessageOf(error);
  carriedIndexes(plan).forEach((index, position) => {
    message = message.replaceAll(temporaryIndexName(table, plan.tag, position), index.name);
  });
  message = message.replaceAll(plan.stash, table);
  const target = displayName(schema, table);
  return new StepError(`the copied rows do not fit ${target}, which is unchanged: ${message}`, { retryable: false, cause: error });
}
