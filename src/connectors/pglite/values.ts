/**
 * Values through PGlite exactly as through `pg`, so a step or a plugin sees the same JavaScript
 * values whichever connector it talks to. PGlite's own conversions differ from pg's (int8 as a
 * number or BigInt, bytea as Uint8Array, dates as UTC midnight, Dates sent as UTC, strings refused
 * for bytea), so PGlite is asked for text both ways and pg's conversions are applied here:
 * parameters go through pg's `prepareValue`, result text through pg's type parsers.
 */
import type { QueryOptions, Results } from "@electric-sql/pglite";
import pg from "pg";
import type { QueryField, QueryResult } from "../connector.js";
import { textTypeParser } from "../typeParsers.js";

const BYTEA_OID = 17;

// `prepareValue` is how pg turns a parameter into text (Dates in local time with their offset,
// arrays as array literals, objects as JSON, Buffers as bytes); @types/pg does not declare it.
const { prepareValue } = (pg as unknown as { utils: { prepareValue(value: unknown): string | Buffer | null } }).utils;

const typeParser = textTypeParser;

/** A parameter as pg would send it: text, or bytes (which pg sends in binary format). */
export function toParameter(value: unknown): string | Uint8Array | null {
  return prepareValue(value);
}

const asText = (value: string | Uint8Array): string => (typeof value === "string" ? value : Buffer.from(value).toString("utf8"));
const asBytea = (value: string | Uint8Array): string => (typeof value === "string" ? value : `\\x${Buffer.from(value).toString("hex")}`);

/**
 * Query options that make PGlite pass text through untouched: every type it knows gets an
 * identity parser and a serializer that only turns bytes into text. Built once per instance,
 * from the types that instance knows (array types are found at start-up).
 */
export function rawTextOptions(known: { parsers: Record<number | string, unknown>; serializers: Record<number | string, unknown> }): QueryOptions {
  const identity = (value: string) => value;
  const parsers = Object.fromEntries(Object.keys(known.parsers).map((oid) => [oid, identity]));
  const serializers = Object.fromEntries(Object.keys(known.serializers).map((oid) => [oid, Number(oid) === BYTEA_OID ? asBytea : asText]));
  serializers[BYTEA_OID] = asBytea;
  return { rowMode: "array", parsers, serializers };
}

/**
 * One result from one or more statements, as the postgres connector gives it: the last
 * statement's rows and fields, every statement's row count added up.
 */
export function toQueryResult(results: Results<unknown[]>[]): QueryResult {
  const last = results.at(-1);
  const fields: QueryField[] = (last?.fields ?? []).map((field) => ({ name: field.name, dataTypeId: field.dataTypeID }));
  const parsers = fields.map((field) => typeParser(field.dataTypeId));
  const rows = (last?.rows ?? []).map((values) => {
    const row: Record<string, unknown> = {};
    fields.forEach((field, index) => {
      const value = values[index] as string | null | undefined;
      row[field.name] = value === null || value === undefined ? null : parsers[index]!(value);
    });
    return row;
  });
  const rowCount = results.reduce((total, result) => total + (result.rowCount ?? 0), 0);
  return { rows, rowCount, fields };
}
