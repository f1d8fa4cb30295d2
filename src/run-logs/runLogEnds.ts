/**
 * What the daemon at start-up, and pruning, need from a run log, read from its two ends only: the
 * first line (run_started: trigger, scheduled time, host and pid) and whether the last lines hold
 * the final event. A log can hold megabytes of step output; this reads a few of its kilobytes.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { FINAL_EVENTS, type RunEvent, type RunEventName, type RunStartedEvent } from "./runEvents.js";

const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 8 * 1024;

export interface RunLogEnds {
  started: RunStartedEvent | undefined;
  /** The log has its final event (run_succeeded, run_failed or run_interrupted). */
  finished: boolean;
  /** Which one, when it has. */
  final: RunEventName | undefined;
  /** The `ts` of the last complete event; null for an empty log. */
  lastEventAt: string | null;
}

function parseEvent(line: string): RunEvent | undefined {
  try {
    const value = JSON.parse(line) as RunEvent;
    return typeof value === "object" && value !== null && typeof value.event === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

function readAt(fd: number, position: number, length: number): string {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  return buffer.toString("utf8", 0, read);
}

/** Reads the ends of the log at `path`; a file that cannot be read reads as empty. */
export function readRunLogEnds(path: string): RunLogEnds {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return { started: undefined, finished: false, final: undefined, lastEventAt: null };
  }
  try {
    const size = fstatSync(fd).size;
    const head = readAt(fd, 0, Math.min(size, HEAD_BYTES));
    const newline = head.indexOf("\n");
    const first = newline < 0 ? undefined : parseEvent(head.slice(0, newline));
    const started = first?.event === "run_started" ? first : undefined;
    const tailStart = Math.max(0, size - TAIL_BYTES);
    const tail = tailStart === 0 ? head.slice(0, size) : readAt(fd, tailStart, size - tailStart);
    // Complete lines only, newest last; the first one of a tail read mid-file may be cut.
    const lines = tail.split("\n").slice(tailStart === 0 ? 0 : 1, -1);
    const final = lines
      .filter((line) => line.includes('"event":"run_'))
      .map((line) => parseEvent(line)?.event)
      .find((event): event is RunEventName => event !== undefined && FINAL_EVENTS.has(event));
    let lastEventAt: string | null = null;
    for (let index = lines.length - 1; index >= 0 && lastEventAt === null; index--) lastEventAt = parseEvent(lines[index]!)?.ts ?? null;
    return { started, finished: final !== undefined, final, lastEventAt };
  } finally {
    closeSync(fd);
  }
}
