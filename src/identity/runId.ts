/**
 * Run ids: `20261128T105600123Z-k3f9qa`, the start instant in UTC to the millisecond, then six
 * random characters. The fixed-width time prefix makes plain string order the order of start
 * times (DESIGN 6.2), so listing runs needs no file to be opened; the suffix keeps two runs
 * started in the same millisecond (two jobs, or two daemons) apart.
 */
import { randomBytes } from "node:crypto";

/** RFC 4648 base32, lower case: 32 symbols, so one random byte masked to 5 bits is unbiased. */
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const SUFFIX_LENGTH = 6;

/** A run id and nothing else: `YYYYMMDDTHHMMSSmmmZ-xxxxxx`. */
export const RUN_ID_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-[a-z2-7]{6}$/;

const pad = (value: number, width: number) => String(value).padStart(width, "0");

/** A new run id for a run starting at `now`. */
export function newRunId(now: Date = new Date()): string {
  const stamp =
    pad(now.getUTCFullYear(), 4) +
    pad(now.getUTCMonth() + 1, 2) +
    pad(now.getUTCDate(), 2) +
    "T" +
    pad(now.getUTCHours(), 2) +
    pad(now.getUTCMinutes(), 2) +
    pad(now.getUTCSeconds(), 2) +
    pad(now.getUTCMilliseconds(), 3) +
    "Z";
  const random = randomBytes(SUFFIX_LENGTH);
  let suffix = "";
  for (const byte of random) suffix += BASE32[byte & 31];
  return `${stamp}-${suffix}`;
}

/** Whether `text` has the shape of a run id. */
export function isRunId(text: string): boolean {
  return RUN_ID_PATTERN.test(text);
}

/** The start instant (epoch ms) a run id encodes, or undefined when `runId` is not a run id. */
export function runStartedAt(runId: string): number | undefined {
  const match = RUN_ID_PATTERN.exec(runId);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second, ms] = match.slice(1).map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  // Date.UTC rolls 2026-02-31 over into March; such a string was never produced by newRunId.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  return date.getTime();
}
