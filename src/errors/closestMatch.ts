import { distance } from "fastest-levenshtein";

/**
 * The candidate closest to `input` when it is close enough to be a likely typo: an exact match
 * ignoring case, or a few edits away (1 for names up to 3 characters, 2 up to 6, else 3).
 */
export function closestMatch(input: string, candidates: Iterable<string>): string | undefined {
  const lower = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === lower) return candidate;
    const edits = distance(lower, candidate.toLowerCase());
    if (edits < bestDistance) {
      best = candidate;
      bestDistance = edits;
    }
  }
  const allowed = input.length <= 3 ? 1 : input.length <= 6 ? 2 : 3;
  return bestDistance <= allowed ? best : undefined;
}

export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const match = closestMatch(input, candidates);
  return match === undefined ? undefined : `did you mean \`${match}\`?`;
}
