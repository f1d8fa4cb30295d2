/**
 * Problems with the state store, told to whoever owns the writer at a bounded rate: a store that
 * is down fails every write of every batch, and a daemon's log must not fill with the same line.
 */
import { describeDatabaseError } from "../connectors/connectionErrors.js";

/** Called with a problem in the user's terms, and the error behind it when there is one. */
export type ReportStoreProblem = (message: string, cause?: unknown) => void;

/** SQLSTATE classes of a statement refused for its data (22: data exception, 23: constraint, 54: a limit exceeded). */
const BAD_DATA_CLASSES = new Set(["22", "23", "54"]);

/**
 * Whether the store refused the data itself, so that writing the same values again fails again;
 * anything else (the network, a server restarting, a table not yet migrated) may pass later.
 */
export function isRefusedData(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.length === 5 && BAD_DATA_CLASSES.has(code.slice(0, 2));
}

/** A store error in a line: the driver's reason, in the user's terms. */
export function describeStoreError(error: unknown): string {
  return describeDatabaseError(error);
}

export class StoreProblems {
  private lastReportAt = Number.NEGATIVE_INFINITY;
  private suppressed = 0;
  /** A problem was reported since the store last worked. */
  private troubled = false;

  constructor(
    private readonly report: ReportStoreProblem | undefined,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reports `message` unless one was reported less than `intervalMs` ago; those are counted, and said with the next. */
  problem(message: string, cause?: unknown): void {
    const now = this.now();
    if (now - this.lastReportAt < this.intervalMs) {
      this.suppressed += 1;
      return;
    }
    const more = this.suppressed > 0 ? ` (${this.suppressed} more ${this.suppressed === 1 ? "problem" : "problems"} since the last report)` : "";
    this.lastReportAt = now;
    this.suppressed = 0;
    this.troubled = true;
    this.report?.(`${message}${more}`, cause);
  }

  /**
   * The store works again: said once after a reported problem, so whoever read it knows it is
   * over (at most one such line per problem reported, so a flapping store stays bounded too).
   */
  recovered(message: string): void {
    if (!this.troubled) return;
    this.troubled = false;
    this.report?.(message);
  }
}
