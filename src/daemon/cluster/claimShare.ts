/**
 * How due fires spread over the daemons with no leader: each fire belongs first to one daemon of
 * those alive, chosen by a hash of job and time. Every daemon agrees on the share from the same
 * list of live daemons (sorted ids); when lists briefly disagree, a fire is claimed by a daemon
 * that is not its first choice after the hand-off, never twice (the store's claim is unique).
 */

/** FNV-1a, 32 bits: stable across processes and versions, which Node's hashing is not. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The index, among `daemons` live daemons, of the one that claims this fire first. */
export function firstClaimer(jobId: string, scheduledForMs: number, daemons: number): number {
  if (daemons <= 1) return 0;
  return fnv1a(`${jobId}\u0000${scheduledForMs}`) % daemons;
}
