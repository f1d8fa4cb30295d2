/**
 * sql_copy (DESIGN 5): rows stream from `COPY … TO STDOUT` on the source into `COPY … FROM STDIN`
 * on the target, in binary when every column's type matches, else in text. All of the target's
 * work happens in one session and one transaction, under an advisory lock on the target table, so
 * a failure or a kill rolls everything back and two runs never write the same table at once.
 */
import { databaseStepError } from "../../connectors/connectionErrors.js";
import { ConnectorError, StepError } from "../../errors/nomaflowError.js";
import type { StepOutput, StepRunContext } from "../stepType.js";
import { advanceOwnedSequences } from "./advanceSequences.js";
import { binaryRowCounter, textRowCounter } from "./copyRowCounter.js";
import { defaultOf } from "../../schema/common.js";
import { sqlCopyFields, type SqlCopyFields as Fields } from "./sqlCopyFields.js";
import { overwriteTarget, prepareOverwrite } from "./overwrite/overwriteTarget.js";
import { withPinnedSettings } from "./pinnedSettings.js";
import { databaseMessageOf, queryOf } from "./transaction.js";
import { displayName, type TableName } from "./quoteIdentifier.js";
import { quoteIdentifier, qualifiedName } from "../../sql/quoteSql.js";
import { sqlCodeEnd } from "../../templates/sqlPlaces.js";
import type { CopyOut, CopyOutStream } from "../../connectors/connector.js";
import { lockTarget } from "./targetLock.js";
import { addNotNull, createTarget, type CreatedTarget } from "./createTarget.js";
import { materializedViewReaders, refreshMaterializedViews } from "./refreshMaterializedViews.js";
import { replaceRows } from "./overwrite/replaceRows.js";
import { upsertRows, type UpsertCounts } from "./upsertRows.js";
import { describeQuery, describeTable, FIRST_USER_OID, type ColumnInfo, type TableInfo } from "./tableColumns.js";

const EMPTY_CHUNK = new Uint8Array(0);

/** A table's schema when the step names none. */
const DEFAULT_SCHEMA = defaultOf(sqlCopyFields.properties.target.properties.schema);

export interface CopyPlan {
  columns: string[];
  format: "binary" | "text";
  copyOut: CopyOut;
}

function lockKey(connector: string, schema: string, table: string): string {
  return `nomaflow:sql_copy:${connector}:${schema}.${table}`;
}

/** Columns matched by name; every source column must exist in the target. */
function planCopy(fields: Fields, sourceColumns: ColumnInfo[], sourceKind: string | undefined, target: TableInfo | undefined): CopyPlan {
  const copied = sourceColumns.filter((column) => !column.generated);
  const targetByName = new Map((target?.columns ?? []).map((column) => [column.name, column]));
  if (target) {
    const missing = copied.filter((column) => !targetByName.has(column.name)).map((column) => column.name);
    if (missing.length > 0) {
      throw new StepError(
        `source column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} missing from the target ${displayName(fields.target.schema ?? DEFAULT_SCHEMA, fields.target.table)} on connector ${fields.target.connector}`,
        { retryable: false },
      );
    }
    const generated = copied.filter((column) => targetByName.get(column.name)?.generated).map((column) => column.name);
    if (generated.length > 0) {
      throw new StepError(
        `target column${generated.length > 1 ? "s" : ""} ${generated.join(", ")} ${generated.length > 1 ? "are" : "is"} generated and cannot be written`,
        { retryable: false },
      );
    }
  }
  // Same type OID: binary receive functions apply the target column's own length/precision.
  const misfits = copied.flatMap((column) => {
    const other = (target ? targetByName.get(column.name) : column)!;
    if (other.typeOid !== column.typeOid) return [`${column.name} (${column.type} in the source, ${other.type} in the target)`];
    return column.typeOid < FIRST_USER_OID ? [] : [`${column.name} (${column.type}, not a built-in type)`];
  });
  const binaryFits = misfits.length === 0;
  if (fields.format === "binary" && !binaryFits) {
    throw new StepError(
      `format: binary needs every column to have the same built-in type in source and target, and ${misfits.join(", ")} ${misfits.length > 1 ? "do" : "does"} not; use format: auto or text`,
      { retryable: false },
    );
  }
  const format = fields.format === "text" ? "text" : binaryFits ? "binary" : "text";
  const columns = copied.map((column) => column.name);
  const list = columns.map(quoteIdentifier).join(", ");
  const { source } = fields;
  const from = source.query !== undefined ? `(${source.query}) AS nomaflow_source` : qualifiedName(source.schema ?? DEFAULT_SCHEMA, source.table!);
  // COPY reads a plain table by itself; a partitioned table, a view or a materialized view only
  // through a query (the format is chosen by the column types all the same).
  const copyOut: CopyOut =
    sourceKind === "r"
      ? { table: { schema: source.schema ?? DEFAULT_SCHEMA, name: source.table! }, columns, format }
      : { query: `SELECT ${list} FROM ${from}`, format };
  return { columns, format, copyOut };
}

/**
 * The query without what may follow its last token — `;`, spaces, comments — which inside our
 * `(…)` would be a syntax error or, for a `--` comment, hide the closing parenthesis.
 */
function bareQuery(query: string): string {
  return query.slice(0, sqlCodeEnd(query) || query.length);
}

export async function runSqlCopy(given: Fields, context: StepRunContext, signal: AbortSignal): Promise<StepOutput> {
  const fields: Fields = given.source.query === undefined ? given : { ...given, source: { ...given.source, query: bareQuery(given.source.query) } };
  let started = performance.now();
  let lockWaitMs = 0;
  const targetSchema = fields.target.schema ?? DEFAULT_SCHEMA;
  const targetName = displayName(targetSchema, fields.target.table);
  const target = qualifiedName(targetSchema, fields.target.table);
  const batchSize = fields.batch_size ?? defaultOf(sqlCopyFields.properties.batch_size);
  const options = { signal, applicationName: context.applicationName };
  const source = context.connector(fields.source.connector);
  const sink = context.connector(fields.target.connector);
  let bytes = 0;

  try {
    return await sink.withSession(
      (targetSession) =>
        withPinnedSettings(targetSession, async () => {
          lockWaitMs = await lockTarget(targetSession, lockKey(fields.target.connector, targetSchema, fields.target.table), targetName, context);
          // The copy's time, and its rows per second, start once the table is ours.
          started = performance.now();
          const existing = await describeTable(targetSession, targetSchema, fields.target.table);
          if (existing && existing.kind !== "r" && existing.kind !== "p") {
            throw new StepError(
              `target ${targetName} is not a table (it is a ${existing.kind === "v" ? "view" : existing.kind === "m" ? "materialized view" : `relation of kind ${existing.kind}`})`,
              { retryable: false },
            );
          }

          const overwrite =
            existing !== undefined && fields.mode === "overwrite"
              ? await prepareOverwrite(
                  targetSession,
                  { schema: targetSchema, table: fields.target.table },
                  context,
                  fields.overwrite_method ?? defaultOf(sqlCopyFields.properties.overwrite_method),
                )
              : undefined;
          const method = overwrite?.method;

          return await source.withSession(
            (sourceSession) =>
              withPinnedSettings(sourceSession, async () => {
                const sourceLabel =
                  fields.source.query !== undefined ? "the source query" : displayName(fields.source.schema ?? DEFAULT_SCHEMA, fields.source.table!);
                let sourceColumns: ColumnInfo[];
                let sourceKey: string[] = [];
                let sourceKind: string | undefined;
                if (fields.source.query !== undefined) {
                  sourceColumns = await describeQuery(sourceSession, fields.source.query);
                } else {
                  const table = await describeTable(sourceSession, fields.source.schema ?? DEFAULT_SCHEMA, fields.source.table!);
                  if (!table) throw new StepError(`source table ${sourceLabel} does not exist on connector ${fields.source.connector}`, { retryable: false });
                  sourceColumns = table.columns;
                  sourceKey = table.primaryKey;
                  sourceKind = table.kind;
                }
                const plan = planCopy(fields, sourceColumns, sourceKind, existing);
                const key = fields.mode === "upsert" ? upsertKey(fields, existing, sourceKey, targetName) : [];

                const counter = plan.format === "binary" ? binaryRowCounter() : textRowCounter();
                let reported = 0;
                const counted = async function* (data: CopyOutStream) {
                  for await (const chunk of data) {
                    counter.count(chunk, data.rows);
                    bytes += chunk.byteLength;
                    if (counter.rows - reported >= batchSize) {
                      reported = counter.rows - (counter.rows % batchSize);
                      context.progress({ rows: counter.rows, bytes });
                    }
                    yield chunk;
                  }
                  // The server's own count, said once the copy has ended.
                  counter.count(EMPTY_CHUNK, data.rows);
                };
                const stream = () => counted(sourceSession.copyOut(plan.copyOut));
                /** COPY … FROM STDIN into `table` (the target, a stash or a temporary table). */
                const copyIn = (table: TableName) =>
                  targetSession.copyIn({ table: { schema: table.schema, name: table.table }, columns: plan.columns, format: plan.format }, stream());

                let lockHeldMs: number | undefined;
                let upserted: UpsertCounts | undefined;
                let refreshed: string[] = [];
                let creation: CreatedTarget | undefined;
                if (overwrite?.method === "swap") {
                  const swapped = await overwriteTarget(targetSession, sink, overwrite.described, context, signal, copyIn);
                  lockHeldMs = swapped.lockHeldMs;
                  // Only a matview reading the table through a view lets a swap happen; refreshed after it.
                  if (fields.refresh_materialized_views) {
                    const swappedIn = await describeTable(targetSession, targetSchema, fields.target.table);
                    refreshed = await refreshMaterializedViews(targetSession, await materializedViewReaders(targetSession, swappedIn!.oid));
                  }
                } else {
                  // Created, appended or upserted in one transaction: all rows or none.
                  await targetSession.query("BEGIN");
                  if (!existing)
                    creation = await createTarget(
                      sourceSession,
                      targetSession,
                      target,
                      targetName,
                      sourceColumns,
                      sourceKey,
                      fields.source.query !== undefined,
                    );
                  if (!existing || fields.mode === "append") await copyIn({ schema: targetSchema, table: fields.target.table });
                  else if (method === "replace")
                    upserted = await replaceRows(targetSession, copyIn, plan.columns, { schema: targetSchema, table: fields.target.table }, existing);
                  else upserted = await upsertRows(targetSession, copyIn, plan.columns, target, existing, key);
                  const leftNullable = creation ? await addNotNull(targetSession, target, creation.notNullAfterLoad) : [];
                  if (existing && fields.refresh_materialized_views)
                    refreshed = await refreshMaterializedViews(targetSession, await materializedViewReaders(targetSession, existing.oid));
                  await targetSession.query("COMMIT");
                  // Said once it holds: a failed try rolls the table back.
                  for (const type of creation?.typesCreated ?? []) context.log("info", `created type ${type} on the target, as the source defines it`);
                  if (!existing) context.log("info", `created ${targetName} from ${sourceLabel}'s columns`);
                  for (const column of leftNullable)
                    context.log("info", `column ${column} of ${targetName} is left nullable: its source column is NOT NULL, but the query gives nulls in it`);
                }
                const created = !existing;
                context.progress({ rows: counter.rows, bytes });
                // The rows are committed: a sequence left behind (no UPDATE right on it) is said, not a
                // failure, since a retry would append the rows a second time.
                const sequencesAdvanced = created
                  ? {}
                  : await advanceOwnedSequences(queryOf(targetSession), targetSchema, fields.target.table).catch((error: unknown) => {
                      context.log("warning", `the rows are in ${targetName}, but its sequences were not advanced past them: ${databaseMessageOf(error)}`);
                      return {};
                    });
                for (const [sequence, value] of Object.entries(sequencesAdvanced))
                  context.log("info", `advanced sequence ${sequence} to ${value}, the largest loaded value of its column`);

                const seconds = Math.max((performance.now() - started) / 1000, 0.001);
                context.log("info", `copied ${counter.rows} rows (${bytes} bytes, ${plan.format}) into ${targetName} in ${seconds.toFixed(2)} s`);
                if (upserted) {
                  const [what, deleted] =
                    method === "replace" ? [`replace of ${targetName}`, `, ${upserted.deleted} deleted`] : [`upsert into ${targetName}`, ""];
                  context.log(
                    "info",
                    `${what}: ${upserted.inserted} rows inserted, ${upserted.updated} updated, ${upserted.unchanged} unchanged (left as they were)${deleted}`,
                  );
                }
                for (const view of refreshed) context.log("info", `refreshed materialized view ${view}`);
                return {
                  rows: counter.rows,
                  bytes,
                  duration_ms: Math.round(seconds * 1000),
                  rows_per_second: Math.round(counter.rows / seconds),
                  megabytes_per_second: Math.round((bytes / 1_048_576 / seconds) * 100) / 100,
                  mode: fields.mode,
                  format: plan.format,
                  target: targetName,
                  created_target: created,
                  ...(creation && creation.typesCreated.length > 0 ? { types_created: creation.typesCreated } : {}),
                  sequences_advanced: sequencesAdvanced,
                  ...(upserted === undefined ? {} : { rows_inserted: upserted.inserted, rows_updated: upserted.updated, rows_unchanged: upserted.unchanged }),
                  ...(method === undefined ? {} : { overwrite_method: method }),
                  ...(method === "replace" && upserted ? { rows_deleted: upserted.deleted } : {}),
                  ...(fields.refresh_materialized_views ? { materialized_views_refreshed: refreshed } : {}),
                  ...(lockHeldMs === undefined ? {} : { lock_held_ms: lockHeldMs }),
                  ...(lockWaitMs === 0 ? {} : { lock_wait_ms: lockWaitMs }),
                };
              }),
            options,
          );
        }),
      options,
    );
  } catch (error) {
    if (error instanceof ConnectorError) {
      // Say which copy it was: the driver's message names a table, not its schema or connector.
      const from =
        fields.source.query !== undefined
          ? `a query on ${fields.source.connector}`
          : `${displayName(fields.source.schema ?? DEFAULT_SCHEMA, fields.source.table!)} on ${fields.source.connector}`;
      const copy = `copying ${from} to ${targetName} on ${fields.target.connector}`;
      throw databaseStepError(new ConnectorError(error.connector, `${error.message.replace(/^connector \S+: /, "")} (${copy})`, { cause: error.cause }));
    }
    throw databaseStepError(error);
  }
}

function upsertKey(fields: Fields, existing: TableInfo | undefined, sourceKey: string[], targetName: string): string[] {
  const key = fields.key === undefined ? (existing ? existing.primaryKey : sourceKey) : typeof fields.key === "string" ? [fields.key] : fields.key;
  if (key.length === 0) {
    throw new StepError(`upsert into ${targetName} needs a key: the table has no primary key and the step gives no key`, {
      retryable: false,
      hint: "add key: [column, …] to the step, or a primary key to the table",
    });
  }
  const names = new Set((existing?.columns ?? []).map((column) => column.name));
  const unknown = existing ? key.filter((column) => !names.has(column)) : [];
  if (unknown.length > 0) throw new StepError(`upsert key column ${unknown.join(", ")} is not a column of ${targetName}`, { retryable: false });
  return key;
}
