/**
 * The words of an alert, shared by every channel: a one-line summary (chat previews, the first
 * line of an email), a headline, an email subject, labelled facts, and the full error or text.
 * Channels only lay these out; none of them phrases an alert on its own.
 */
import { formatDuration } from "../project/formatDuration.js";
import { showRunCommand, type RunAlert } from "./runAlert.js";

export interface AlertFact {
  name: string;
  value: string;
}

export interface AlertContent {
  /** Everything that matters on one line: `❌ job failed at step b: boom — run …, 1.2 s, host; \`nomaflow show …\``. */
  summary: string;
  /** The headline: `❌ job failed at step b`. */
  title: string;
  /** Without emoji, for mail clients' lists. */
  subject: string;
  facts: AlertFact[];
  /** The failed step's full error, or a plugin's full text; null when there is none. */
  detail: { kind: "error" | "text"; text: string } | null;
  /** `nomaflow show RUN_ID`. */
  command: string;
}

/** Longer errors (a traceback) are cut here; the run log keeps all of it. */
export const MAX_DETAIL = 4000;
const MAX_INLINE = 300;

/** The first line of a text, cut to `max` characters with `…`. */
export function firstLine(text: string, max: number = MAX_INLINE): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** A text cut to `max` characters, saying so. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function alertContent(alert: RunAlert): AlertContent {
  const command = showRunCommand(alert.runId);
  const duration = alert.durationMs === null ? null : formatDuration(alert.durationMs);
  const where = [`run ${alert.runId}`, duration, alert.host].filter((part) => part !== null).join(", ");
  const tail = ` — ${where}; \`${command}\``;
  const facts = factsOf(alert, duration);
  switch (alert.kind) {
    case "on_failure": {
      const at = alert.failedStep === null ? "" : ` at step ${alert.failedStep}`;
      const error = alert.error ?? "unknown error";
      return {
        summary: `❌ ${alert.jobId} failed${at}: ${firstLine(error)}${tail}`,
        title: `❌ ${alert.jobId} failed${at}`,
        subject: `nomaflow: ${alert.jobId} failed${at}`,
        facts,
        detail: { kind: "error", text: truncate(error, MAX_DETAIL) },
        command,
      };
    }
    case "on_success":
      return {
        summary: `✅ ${alert.jobId} succeeded${tail}`,
        title: `✅ ${alert.jobId} succeeded`,
        subject: `nomaflow: ${alert.jobId} succeeded`,
        facts,
        detail: null,
        command,
      };
    case "on_long_run": {
      const minutes = `${alert.longRunMinutes ?? "?"} min`;
      const step = alert.step === null ? "" : ` (now at step ${alert.step})`;
      return {
        summary: `⏳ ${alert.jobId} has been running for ${minutes}${step}${tail}`,
        title: `⏳ ${alert.jobId} has been running for ${minutes}`,
        subject: `nomaflow: ${alert.jobId} still running after ${minutes}`,
        facts,
        detail: null,
        command,
      };
    }
    case "notify": {
      const text = alert.text ?? "";
      const from = `${alert.jobId}${alert.step === null ? "" : `, step ${alert.step}`}`;
      return {
        summary: `${firstLine(text)} — ${from}, ${where}; \`${command}\``,
        title: `🔔 ${firstLine(text, 150)}`,
        subject: `nomaflow: ${alert.jobId}: ${firstLine(text, 80)}`,
        facts,
        detail: { kind: "text", text: truncate(text, MAX_DETAIL) },
        command,
      };
    }
    case "abandoned": {
      const why = alert.error ?? "its process is gone and the log has no final event";
      return {
        summary: `⚠️ ${alert.jobId} run abandoned: ${firstLine(why)}${tail}`,
        title: `⚠️ ${alert.jobId} run abandoned`,
        subject: `nomaflow: ${alert.jobId} run abandoned`,
        facts,
        detail: { kind: "error", text: truncate(why, MAX_DETAIL) },
        command,
      };
    }
  }
}

function factsOf(alert: RunAlert, duration: string | null): AlertFact[] {
  const facts: Array<[string, string | null]> = [
    ["Job", alert.jobId],
    ["Run", alert.runId],
    ["Status", alert.status],
    ["Failed step", alert.failedStep],
    [alert.kind === "notify" ? "Step" : "Running step", alert.kind === "on_failure" ? null : alert.step],
    [alert.status === "running" ? "Running for" : alert.status === "abandoned" ? "Ran for at least" : "Duration", duration],
    ["Host", alert.host],
    ["Started", alert.startedAt],
    [alert.kind === "abandoned" ? "Last seen" : "Ended", alert.endedAt],
  ];
  return facts.filter((fact): fact is [string, string] => fact[1] !== null).map(([name, value]) => ({ name, value: truncate(value, MAX_INLINE) }));
}
