/**
 * `H` in a cron field (as in Jenkins): a value picked by hashing a seed, the job's id, so that
 * hundreds of jobs written "H 2 * * *" spread over the hour instead of all firing at 02:00, and
 * each job keeps its minute from one run, one host and one release to the next.
 */

/**
 * A whole number in [0, size) that depends only on `seed` and `field`. The hash is FNV-1a (32
 * bits) followed by murmur3's finaliser, which spreads ids that differ in one character.
 * Changing this function would move every `H` schedule: test/schedule pins some values.
 */
export function hashedOffset(seed: string, field: string, size: number): number {
  let hash = 0x811c9dc5;
  const text = `${seed}\u0000${field}`;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) % size;
}
