/**
 * A run event as the state store keeps it: its JSON, made storable and bounded.
 *
 * PostgreSQL refuses two things JSON.stringify writes: the escape `\u0000` (jsonb and text hold
 * no NUL) and a lone surrogate half (`\ud800`…`\udfff`, which well-formed JSON.stringify escapes).
 * A shell step's output can hold either, and one such event would fail its whole batch every
 * time, so they become U+FFFD, the replacement character. The run log keeps the exact text.
 *
 * An event over the size limit (a step's huge output, a log line of megabytes) is kept with its
 * long strings cut, or else as a stub of its stamp and step, and says so in `nomaflow_truncated`.
 */
import type { RunEvent } from "../run-logs/runEvents.js";

/** The key an event cut to fit carries, with the size of the event as the run log has it. */
export const TRUNCATION_MARK = "nomaflow_truncated";

/** An escape PostgreSQL refuses, after an even number of backslashes (so an escape, not escaped text). */
const UNSTORABLE_ESCAPE = /(?<=(?:^|[^\\])(?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi;

/** JSON text that PostgreSQL's json, jsonb and text all accept. */
export function storableJson(json: string): string {
  return json.includes("\\u") ? json.replace(UNSTORABLE_ESCAPE, "\\ufffd") : json;
}

/** A copy of `value` with every string (key or value) longer than `limit` characters cut short. */
function shortenStrings(value: unknown, limit: number): unknown {
  const shorten = (text: string) => (text.length > limit ? `${text.slice(0, limit)}… [cut: ${text.length} characters]` : text);
  if (typeof value === "string") return shorten(value);
  if (Array.isArray(value)) return value.map((item) => shortenStrings(item, limit));
  if (value !== null && typeof value === "object") {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[shorten(key)] = shortenStrings(item, limit);
    return copy;
  }
  return value;
}

/** What is left of an event too large even with its strings cut: who, when, which step. */
function stub(event: RunEvent, originalBytes: number): Record<string, unknown> {
  const kept: Record<string, unknown> = { ts: event.ts, event: event.event, run_id: event.run_id, job_id: event.job_id };
  const step = (event as { step?: unknown }).step;
  if (typeof step === "string" && step.length <= 1000) kept.step = step;
  kept[TRUNCATION_MARK] = { original_bytes: originalBytes };
  return kept;
}

/**
 * The JSON to store for `event`: storable, and at most `maxBytes` bytes of UTF-8 (an event over
 * it is cut and marked, see the file's comment).
 */
export function storedEventJson(event: RunEvent, maxBytes: number): string {
  const json = storableJson(JSON.stringify(event));
  // A UTF-16 unit is at most 3 bytes of UTF-8: most events are judged without counting.
  if (json.length * 3 <= maxBytes) return json;
  const originalBytes = Buffer.byteLength(json, "utf8");
  if (originalBytes <= maxBytes) return json;
  const cut = shortenStrings(event, Math.max(64, Math.floor(maxBytes / 16))) as Record<string, unknown>;
  const shortened = storableJson(JSON.stringify({ ...cut, [TRUNCATION_MARK]: { original_bytes: originalBytes } }));
  if (Buffer.byteLength(shortened, "utf8") <= maxBytes) return shortened;
  return storableJson(JSON.stringify(stub(event, originalBytes)));
}

/**
 * The stub stored instead of an event the store refused even alone (`reason`, the store's error):
 * its stamp and step, so the timeline keeps its place.
 */
export function unstorableStub(json: string, reason: string): string {
  let event: RunEvent | undefined;
  try {
    event = JSON.parse(json) as RunEvent;
  } catch {
    // Not reached: the JSON was written by storedEventJson.
  }
  const kept: Record<string, unknown> = event ? stub(event, 0) : {};
  delete kept[TRUNCATION_MARK];
  kept.nomaflow_unstorable = reason.slice(0, 1000);
  return storableJson(JSON.stringify(kept));
}
