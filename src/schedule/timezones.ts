/**
 * Checking a job's `timezone` and, when it is wrong, offering the name the user probably meant.
 */
import { distance } from "fastest-levenshtein";
import { canonicalZoneName, isKnownZone } from "./zoneOffset.js";

/**
 * Current IANA names that ICU still lists under an older one (Intl gives Asia/Calcutta, not
 * Asia/Kolkata), so suggestions can offer the name people write today.
 */
const CURRENT_NAMES = [
  "Africa/Asmara",
  "America/Argentina/Buenos_Aires",
  "America/Atikokan",
  "America/Indiana/Indianapolis",
  "America/Kentucky/Louisville",
  "America/Nuuk",
  "Asia/Ho_Chi_Minh",
  "Asia/Kathmandu",
  "Asia/Kolkata",
  "Asia/Yangon",
  "Atlantic/Faroe",
  "Etc/UTC",
  "Europe/Kyiv",
  "Pacific/Chuuk",
  "Pacific/Kanton",
  "Pacific/Pohnpei",
];

interface Candidates {
  readonly names: readonly string[];
  /** Lower-cased name to its proper spelling. */
  readonly byLowerCase: ReadonlyMap<string, string>;
}

let candidates: Candidates | undefined;

function knownNames(): Candidates {
  if (candidates === undefined) {
    const names = [...new Set([...Intl.supportedValuesOf("timeZone"), "UTC", ...CURRENT_NAMES])].filter((name) => isKnownZone(name)).sort();
    candidates = { names, byLowerCase: new Map(names.map((name) => [name.toLowerCase(), name])) };
  }
  return candidates;
}

const validity = new Map<string, boolean>();

/**
 * Whether `name` is a time zone spelled as IANA spells it: `Europe/Paris`, `UTC`, aliases such as
 * `US/Eastern`. Intl would take `europe/paris` too, but Nomaflow prints zones back to users, so a
 * mis-cased name is reported (with {@link suggestTimezone}'s fix) rather than carried along.
 * Answers are remembered: each check builds an Intl formatter, and projects reuse a few zones.
 */
export function isValidTimezone(name: string): boolean {
  let valid = validity.get(name);
  if (valid === undefined) {
    valid = checkTimezone(name);
    if (validity.size < 10_000) validity.set(name, valid);
  }
  return valid;
}

function checkTimezone(name: string): boolean {
  if (!isKnownZone(name)) return false;
  const canonical = canonicalZoneName(name);
  if (canonical.toLowerCase() === name.toLowerCase()) return canonical === name;
  // An alias of another name (Asia/Kolkata for ICU's Asia/Calcutta, US/Eastern): accept it when
  // each part is capitalised as IANA writes it.
  return name.split("/").every((part) => !/^[a-z]/.test(part));
}

/**
 * The valid zone name closest to `name`, or undefined when nothing is close: first a
 * case-insensitive match (`europe/paris` → `Europe/Paris`), then the canonical name of a
 * mis-cased alias (`us/eastern` → `America/New_York`), then the nearest by edit distance
 * (`Europe/Pariss` → `Europe/Paris`; a bare city, `Pariss`, is compared with the city part).
 */
export function suggestTimezone(name: string): string | undefined {
  const wanted = name.trim();
  if (wanted === "") return undefined;
  if (isValidTimezone(wanted)) return wanted;
  const { names, byLowerCase } = knownNames();
  const lower = wanted.toLowerCase();

  const sameLetters = byLowerCase.get(lower);
  if (sameLetters !== undefined) return sameLetters;
  if (isKnownZone(wanted)) return canonicalZoneName(wanted);

  const bareCity = !lower.includes("/");
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(lower.length / 3)) + 1;
  for (const candidate of names) {
    const candidateLower = candidate.toLowerCase();
    let score = distance(lower, candidateLower);
    if (bareCity) score = Math.min(score, distance(lower, candidateLower.slice(candidateLower.lastIndexOf("/") + 1)));
    if (score < bestDistance) {
      best = candidate;
      bestDistance = score;
    }
  }
  return best;
}
