/**
 * Comparing a command's real output with the README's text: the few things that legitimately vary
 * from run to run are replaced by placeholders on both sides, a line that is only `…` stands for
 * any number of lines, and run ids must correspond one to one. Pure: lines in, verdict out.
 */

/** What varies between runs, and nothing else; each rule is as narrow as the outputs allow. */
export const NORMALISATIONS: readonly { what: string; pattern: RegExp; replace: (match: string, ...groups: string[]) => string }[] = [
  { what: "clock time at the start of a timeline line (11:16:44)", pattern: /^\d{2}:\d{2}:\d{2}(?= {2})/g, replace: () => "<clock>" },
  {
    // Fire times are in the schedule's zone (+01:00, +11:00…) and stay exact; run clocks print in UTC (TZ=UTC).
    what: "the time of day of a UTC timestamp (2026-11-28T11:16:48+00:00; the date stays)",
    pattern: /\b(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d{3})?(Z|\+00:00)/g,
    replace: (_, date, zone) => `${date}T<time>${zone}`,
  },
  {
    // Table columns widen with the longest duration, so the padding after one is not compared.
    what: "durations (121 ms, 0.33 ms, 1.1 s, 1 min 04 s, 2 h 07 min) and the padding after them",
    pattern: /\b\d+ (?:min \d{2} s|h \d{2} min|d \d{2} h)\b( {2,})?|\b\d+(?:\.\d+)? m?s\b( {2,})?/g,
    replace: (...args) => (args.slice(1, 3).some((padding) => padding !== undefined) ? "<duration>  " : "<duration>"),
  },
  {
    // A run log's size changes with the host's name, the pid and the durations written in it.
    what: "sizes in bytes (950 B, 1.2 kB, 3.4 MB) and the padding after them",
    pattern: /\b\d+(?:\.\d+)? (?:B|kB|MB|GB)\b( {2,})?/g,
    replace: (_, padding) => (padding === undefined ? "<size>" : "<size>  "),
  },
  // The SIZE column's header is padded to the widest size below it.
  { what: "the padding after a SIZE column header", pattern: /\bSIZE {2,}/g, replace: () => "SIZE  " },
  { what: "host name and pid (vm pid 941, vm, pid 941)", pattern: /[\w.-]+(,?) pid \d+\b/g, replace: (_, comma) => `<host>${comma} pid <pid>` },
  {
    what: "a PostgreSQL server's version (not PGlite's)",
    pattern: /PostgreSQL \d+(?:\.\d+)* \((?!PGlite)[^)]*\)/g,
    replace: () => "PostgreSQL <server version>",
  },
  {
    what: "a port from the ephemeral range (127.0.0.1:38827), where servers listening on port 0 land",
    pattern: /127\.0\.0\.1:(\d{5})\b/g,
    replace: (match, port) => (Number(port) >= 32768 ? "127.0.0.1:<port>" : match),
  },
];

const RUN_ID = /\b\d{8}T\d{9}Z-[a-z2-7]{6}\b/g;

/** A line with run ids taken out (they are compared as a correspondence) and the rules applied. */
export function normaliseLine(line: string): { text: string; runIds: string[] } {
  const runIds = line.match(RUN_ID) ?? [];
  let text = line.trimEnd().replace(RUN_ID, "<run-id>");
  for (const { pattern, replace } of NORMALISATIONS) text = text.replace(pattern, replace);
  return { text, runIds };
}

const isEllipsis = (line: string) => line.trim() === "…";

/**
 * For each README line that is not `…`, the index of the output line it matches, or undefined when
 * the output does not match. `…` lines stand for any number of lines (none included); other lines
 * match in order, each segment between `…` lines as early as it can.
 */
export function alignLines(expected: readonly string[], actual: readonly string[]): Map<number, number> | undefined {
  const segments: { start: number; lines: string[] }[] = [{ start: 0, lines: [] }];
  expected.forEach((line, index) => {
    if (isEllipsis(line)) segments.push({ start: index + 1, lines: [] });
    else segments.at(-1)!.lines.push(line);
  });
  const matchesAt = (segment: string[], at: number) =>
    at >= 0 && at + segment.length <= actual.length && segment.every((line, offset) => line === actual[at + offset]);
  const alignment = new Map<number, number>();
  const place = (segment: { start: number; lines: string[] }, at: number) =>
    segment.lines.forEach((_, offset) => alignment.set(segment.start + offset, at + offset));

  const first = segments[0]!;
  const last = segments.at(-1)!;
  if (segments.length === 1) return first.lines.length === actual.length && matchesAt(first.lines, 0) ? (place(first, 0), alignment) : undefined;
  if (!matchesAt(first.lines, 0)) return undefined;
  place(first, 0);
  let cursor = first.lines.length;
  for (const segment of segments.slice(1, -1)) {
    let at = cursor;
    while (at + segment.lines.length <= actual.length && !matchesAt(segment.lines, at)) at++;
    if (!matchesAt(segment.lines, at)) return undefined;
    place(segment, at);
    cursor = at + segment.lines.length;
  }
  const lastAt = actual.length - last.lines.length;
  if (lastAt < cursor || !matchesAt(last.lines, lastAt)) return undefined;
  place(last, lastAt);
  return alignment;
}

export interface OutputComparison {
  matches: boolean;
  /** Both sides normalised, for a readable diff when they differ. */
  expected: string;
  actual: string;
  /** [README run id, real run id] for each run id at the same place on both sides. */
  runIdPairs: [string, string][];
}

/** Trailing blank lines are dropped on both sides (a fence cannot show them). */
function withoutTrailingBlanks(lines: readonly string[]): string[] {
  const kept = [...lines];
  while (kept.length > 0 && kept.at(-1)!.trim() === "") kept.pop();
  return kept;
}

export function compareOutput(readme: readonly string[], real: readonly string[]): OutputComparison {
  const expected = withoutTrailingBlanks(readme).map(normaliseLine);
  const actual = withoutTrailingBlanks(real).map(normaliseLine);
  const alignment = alignLines(
    expected.map(({ text }) => text),
    actual.map(({ text }) => text),
  );
  const runIdPairs: [string, string][] = [];
  for (const [from, to] of alignment ?? []) expected[from]!.runIds.forEach((id, index) => runIdPairs.push([id, actual[to]!.runIds[index]!]));
  return {
    matches: alignment !== undefined,
    expected: expected.map(({ text }) => text).join("\n"),
    actual: actual.map(({ text }) => text).join("\n"),
    runIdPairs,
  };
}
