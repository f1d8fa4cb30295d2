/** Checks a job's schedule: the cron grammar, the time zone, and DST surprises in the next 12 months. */
import { CronSyntaxError } from "../errors/nomaflowError.js";
import { dstAnomalies } from "../schedule/dstAnomalies.js";
import { parseCron, type ParsedCron } from "../schedule/parseCron.js";
import { isValidTimezone, suggestTimezone } from "../schedule/timezones.js";

export interface ScheduleFinding {
  field: "cron" | "timezone";
  message: string;
  hint?: string;
  severity: "error" | "warning";
  /** Index of the bad part of the cron text. */
  offsetInValue?: number;
}

export interface ScheduleCheck {
  findings: ScheduleFinding[];
  cron: ParsedCron | undefined;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

// Projects reuse a handful of schedules across many jobs: check each combination once.
const memo = new Map<string, ScheduleCheck>();
const MEMO_LIMIT = 10_000;

export interface ScheduleCheckOptions {
  timezoneGiven: boolean;
  dstFrom: number | undefined;
  /** The job's id, which `H` hashes. */
  seed: string;
}

export function checkSchedule(expression: string, timezone: string, options: ScheduleCheckOptions): ScheduleCheck {
  // Only an expression with `H` depends on the job; the others are shared by every job using them.
  const seed = /h/i.test(expression) ? options.seed : "";
  const key = JSON.stringify([expression, timezone, options.timezoneGiven, options.dstFrom, seed]);
  let check = memo.get(key);
  if (!check) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    check = computeScheduleCheck(expression, timezone, options);
    memo.set(key, check);
  }
  return check;
}

function computeScheduleCheck(expression: string, timezone: string, options: ScheduleCheckOptions): ScheduleCheck {
  const findings: ScheduleFinding[] = [];
  let cron: ParsedCron | undefined;
  try {
    cron = parseCron(expression, { seed: options.seed });
  } catch (error) {
    if (!(error instanceof CronSyntaxError)) throw error;
    findings.push({
      field: "cron",
      severity: "error",
      offsetInValue: error.offset,
      message: `cron ${JSON.stringify(expression)}: ${error.message}`,
      ...(error.hint ? { hint: error.hint } : {}),
    });
  }
  if (!isValidTimezone(timezone)) {
    const suggestion = suggestTimezone(timezone);
    findings.push({
      // A bad defaults.timezone is reported once, on nomaflow.yaml.
      field: options.timezoneGiven ? "timezone" : "cron",
      severity: "error",
      message: options.timezoneGiven ? `unknown time zone ${timezone}` : `the default time zone ${timezone} is unknown`,
      hint: suggestion ? `did you mean ${suggestion}?` : "use an IANA name such as Europe/Paris or UTC",
    });
    return { findings, cron: undefined };
  }
  if (cron && options.dstFrom !== undefined) {
    for (const anomaly of dstAnomalies(cron, timezone, options.dstFrom, options.dstFrom + YEAR_MS)) {
      findings.push({ field: "cron", severity: "warning", message: anomaly.message });
    }
  }
  return { findings, cron };
}
