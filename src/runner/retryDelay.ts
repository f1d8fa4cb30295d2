import type { RetrySettings } from "../project/job.js";

/**
 * Seconds to wait after failed try number `attempt` (1-based) before the next one: `base_seconds`,
 * doubled after each try when exponential, capped by `max_seconds`, then varied by up to
 * `jitter` (a fraction) either way. `random` is injected so tests are deterministic.
 */
export function retryDelaySeconds(policy: RetrySettings, attempt: number, random: () => number = Math.random): number {
  const grown = policy.backoff === "exponential" ? policy.baseSeconds * 2 ** (attempt - 1) : policy.baseSeconds;
  const capped = policy.maxSeconds === undefined ? grown : Math.min(grown, policy.maxSeconds);
  const varied = policy.jitter > 0 ? capped * (1 + policy.jitter * (2 * random() - 1)) : capped;
  return Math.max(0, Math.round(varied * 1000) / 1000);
}
