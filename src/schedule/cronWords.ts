/**
 * The vocabulary describeCron.ts and dstNotes.ts build sentences from: names, ordinals, lists
 * joined with "and", and a field's sorted values written as compactly as they stay exact.
 */

export const WEEKDAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
export const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"] as const;

/** Past this many items a list of irregular values is counted instead ("24 chosen minutes"). */
const MAX_LISTED_ITEMS = 6;

/** `a`, `a and b`, `a, b and c`; `or` in place of `and` when asked. */
export function joinWords(items: readonly string[], conjunction: "and" | "or" = "and"): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1] as string}`;
}

/** `1st`, `2nd`, `3rd`, `11th`, `22nd`. */
export function ordinal(value: number): string {
  const lastTwo = value % 100;
  const last = value % 10;
  const suffix = lastTwo >= 11 && lastTwo <= 13 ? "th" : last === 1 ? "st" : last === 2 ? "nd" : last === 3 ? "rd" : "th";
  return `${value}${suffix}`;
}

export const pad2 = (value: number): string => String(value).padStart(2, "0");

/** `02:30`, or `02:30:15` when a second is given. */
export function clockTime(hour: number, minute: number, second?: number): string {
  return second === undefined ? `${pad2(hour)}:${pad2(minute)}` : `${pad2(hour)}:${pad2(minute)}:${pad2(second)}`;
}

/** Values `from` to `to` inclusive; `from > to` when the run wraps past the field's end. */
export interface Run {
  readonly from: number;
  readonly to: number;
}

/** The runs of consecutive values in a sorted list, without wrapping. */
export function runsOf(sorted: readonly number[]): Run[] {
  const runs: { from: number; to: number }[] = [];
  for (const value of sorted) {
    const last = runs[runs.length - 1];
    if (last !== undefined && value === last.to + 1) last.to = value;
    else runs.push({ from: value, to: value });
  }
  return runs;
}

/**
 * The one run a sorted set of values in [min, max] forms when its end joins its start across the
 * field's end (`22, 23, 0, 1` is 22 to 1), or undefined when it is not one run or is the whole field.
 */
export function cyclicRun(sorted: readonly number[], min: number, max: number): Run | undefined {
  if (sorted.length === 0 || sorted.length === max - min + 1) return undefined;
  const runs = runsOf(sorted);
  const [first, second] = runs;
  if (first === undefined) return undefined;
  if (runs.length === 1) return first;
  if (runs.length === 2 && second !== undefined && first.from === min && second.to === max) return { from: second.from, to: first.to };
  return undefined;
}

/** The values in the order the clock meets them: `22, 23, 0, 1` for a run that wraps, else as sorted. */
export function cyclicOrder(sorted: readonly number[], min: number, max: number): readonly number[] {
  const run = cyclicRun(sorted, min, max);
  if (run === undefined || run.from <= run.to) return sorted;
  return [...sorted.filter((value) => value >= run.from), ...sorted.filter((value) => value <= run.to)];
}

/**
 * The step when the values are the whole cycle of `size` taken every n (`0, 15, 30, 45` of 60,
 * or `4, 19, 34, 49`): the same gap everywhere, across the field's end too.
 */
export function cycleStep(sorted: readonly number[], size: number): number | undefined {
  const [first, second] = sorted;
  if (first === undefined || second === undefined) return undefined;
  const step = second - first;
  if (size % step !== 0 || sorted.length !== size / step) return undefined;
  return sorted.every((value, index) => value === first + index * step) ? step : undefined;
}

/**
 * Sorted values as a short exact list: `0, 7 and 45`, `0 to 29 and 45`, `1, 4, 7 … 22` for an
 * even progression, or undefined when it would take more than a few items.
 */
export function listValues(sorted: readonly number[], write: (value: number) => string): string | undefined {
  const [first, second, third] = sorted;
  const last = sorted[sorted.length - 1];
  if (sorted.length >= 5 && first !== undefined && second !== undefined && third !== undefined && last !== undefined) {
    const step = second - first;
    if (step > 1 && sorted.every((value, index) => value === first + index * step))
      return `${write(first)}, ${write(second)}, ${write(third)} … ${write(last)}`;
  }
  const items = runsOf(sorted).flatMap((run) =>
    run.to - run.from >= 2 ? [`${write(run.from)} to ${write(run.to)}`] : run.to === run.from ? [write(run.from)] : [write(run.from), write(run.to)],
  );
  return items.length <= MAX_LISTED_ITEMS ? joinWords(items) : undefined;
}

/** `minute 5`, `minutes 0, 7 and 45`, `24 chosen minutes`. */
export function countedValues(sorted: readonly number[], unit: string, write: (value: number) => string = String): string {
  if (sorted.length === 1) return `${unit} ${write(sorted[0] as number)}`;
  const listed = listValues(sorted, write);
  return listed === undefined ? `${sorted.length} chosen ${unit}s` : `${unit}s ${listed}`;
}

/** The first letter in lower case, for a sentence used inside another. */
export function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
