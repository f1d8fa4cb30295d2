import { DURATION_PATTERN } from "../schema/common.js";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30` (seconds), `"90s"`, `"30m"`, `"1h30m"`, `"500ms"` → milliseconds; undefined when not a duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value * 1000 : undefined;
  if (typeof value !== "string" || !new RegExp(DURATION_PATTERN).test(value)) return undefined;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(amount) * UNIT_MS[unit!]!;
  return total > 0 ? total : undefined;
}
