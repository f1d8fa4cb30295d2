/**
 * Names of the objects an overwrite makes beside its target: the stash table, the names the old
 * table and its indexes, statistics and identity sequences take in the swap (until the old table
 * is dropped, just after), and the indexes and statistics built on the stash before they take
 * their final names. All fit PostgreSQL's 63-byte limit (longer names would be cut
 * silently by the server, so two could meet) and carry a tag of the run that made them.
 */
import { createHash } from "node:crypto";
import { RUN_ID_PATTERN } from "../../../identity/runId.js";

/** PostgreSQL's identifier limit in bytes (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_BYTES = 63;

const TAG_LENGTH = 6;
const TAG_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const TAG_PATTERN = new RegExp(`^[${TAG_ALPHABET}]{${TAG_LENGTH}}$`);
const STASH_MARKER = "stash";
const OLD_MARKER = "old";

/**
 * Six characters that tell runs apart: a run id's own random suffix (so a stash can be traced to
 * its run log), else a hash of whatever string was given.
 */
export function runTag(runId: string): string {
  if (RUN_ID_PATTERN.test(runId)) return runId.slice(-TAG_LENGTH);
  return hashTag(runId);
}

function hashTag(text: string): string {
  const digest = createHash("sha256").update(text).digest();
  let tag = "";
  for (let index = 0; index < TAG_LENGTH; index++) tag += TAG_ALPHABET[digest[index]! & 31];
  return tag;
}

/**
 * `<table>__nomaflow_<marker>_<tag>`. When that is too long the table part is cut (on a character
 * boundary) and followed by a hash of the whole table name, so two long names that share their
 * first bytes still get different names.
 */
export function derivedName(table: string, marker: string, tag: string): string {
  const suffix = `__nomaflow_${marker}_${tag}`;
  return `${tablePart(table, MAX_IDENTIFIER_BYTES - byteLength(suffix))}${suffix}`;
}

function tablePart(table: string, budget: number): string {
  if (byteLength(table) <= budget) return table;
  const hash = `_${hashTag(table)}`;
  let cut = "";
  for (const character of table) {
    if (byteLength(cut + character) > budget - hash.length) break;
    cut += character;
  }
  return cut + hash;
}

const byteLength = (text: string) => Buffer.byteLength(text, "utf8");

/** The stash table a run loads before swapping it in: `<table>__nomaflow_stash_<run tag>`. */
export function stashName(table: string, runId: string): string {
  return derivedName(table, STASH_MARKER, runTag(runId));
}

/** The run tag of a stash of `table`, or undefined when `name` is not one. */
export function stashTagOf(table: string, name: string): string | undefined {
  return tagAfter(stashPrefix(table), name);
}

/**
 * The run tag of a table a run left behind — a stash, or a target it swapped out but did not
 * get to drop — or undefined when `name` is neither.
 */
export function leftoverTagOf(table: string, name: string): string | undefined {
  return stashTagOf(table, name) ?? tagAfter(oldTablePrefix(table), name);
}

function tagAfter(prefix: string, name: string): string | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const tag = name.slice(prefix.length);
  return TAG_PATTERN.test(tag) ? tag : undefined;
}

/**
 * What `stashName` would give for this table and any tag, minus the tag: what findStashTables
 * looks for. The tag's length is fixed, so the table part is the same for every tag.
 */
export function stashPrefix(table: string): string {
  return prefixOf(table, STASH_MARKER);
}

/** What the name of an old table a swap left behind starts with (see stashPrefix). */
export function oldTablePrefix(table: string): string {
  return prefixOf(table, OLD_MARKER);
}

function prefixOf(table: string, marker: string): string {
  return derivedName(table, marker, "x".repeat(TAG_LENGTH)).slice(0, -TAG_LENGTH);
}

/** The name the target has from the swap until it is dropped, just after the swap's commit. */
export function oldTableName(table: string, tag: string): string {
  return derivedName(table, OLD_MARKER, tag);
}

/** The name index number `position` of the target has on the stash until the swap. */
export function temporaryIndexName(table: string, tag: string, position: number): string {
  return derivedName(table, `i${position}`, tag);
}

/** The name statistics object number `position` of the target has on the stash until the swap. */
export function temporaryStatisticsName(table: string, tag: string, position: number): string {
  return derivedName(table, `s${position}`, tag);
}

/**
 * The name an object of the old table takes in the swap, giving its name up to its counterpart
 * on the new table, until the old table is dropped.
 */
export function retiredName(table: string, tag: string, kind: "index" | "statistics" | "sequence", position: number): string {
  return derivedName(table, `o${kind[0]}${position}`, tag);
}
