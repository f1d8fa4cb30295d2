/** The three shapes of `validate` output: text for people, JSON for scripts, GitHub annotations for CI. */
import type { ChalkInstance } from "chalk";
import type { Diagnostic } from "../project/diagnostic.js";
import type { ProjectReport } from "../validate/checkProject.js";

function attribution(diagnostic: Diagnostic): string {
  const parts = [diagnostic.job && `job ${diagnostic.job}`, diagnostic.step && `step ${diagnostic.step}`].filter(Boolean);
  return parts.length ? ` [${parts.join(", ")}]` : "";
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** "2 of 3 jobs valid", or why that cannot be said. */
function jobsSummary(report: ProjectReport): string {
  if (report.jobs.length === 0) return "no job files in jobs/";
  const valid = report.jobs.filter((job) => job.valid === true).length;
  const unchecked = report.jobs.filter((job) => job.valid === null).length;
  if (unchecked === 0) return `${valid} of ${plural(report.jobs.length, "job")} valid`;
  return `${plural(report.jobs.length, "job")} not fully checked: nomaflow.yaml does not parse (${plural(unchecked, "job")} without errors of ${unchecked === 1 ? "its" : "their"} own)`;
}

export function formatText(report: ProjectReport, style: ChalkInstance): string {
  const lines: string[] = [];
  for (const diagnostic of report.diagnostics) {
    const severity = diagnostic.severity === "error" ? style.red("error") : style.yellow("warning");
    const where = style.bold(`${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`);
    lines.push(`${where}: ${severity}: ${diagnostic.message}${style.dim(attribution(diagnostic))}`);
    if (diagnostic.hint) lines.push(`  ${style.dim("hint:")} ${diagnostic.hint}`);
  }
  if (lines.length) lines.push("");
  const width = Math.max(0, ...report.jobs.map((job) => job.id.length));
  for (const job of report.jobs) {
    const mark = job.valid === null ? style.yellow("?") : job.valid ? style.green("✓") : style.red("✗");
    lines.push(`${mark} ${job.id.padEnd(width)}  ${style.dim(job.file)}`);
  }
  const errors = report.diagnostics.filter((diagnostic) => diagnostic.severity === "error").length;
  const warnings = report.diagnostics.length - errors;
  lines.push(`${jobsSummary(report)} · ${plural(errors, "error")} · ${plural(warnings, "warning")}`);
  return lines.join("\n");
}

export function formatJson(report: ProjectReport): string {
  return JSON.stringify(report, null, 2);
}

/** GitHub workflow commands; data and property values are escaped as the runner requires. */
export function formatGithub(report: ProjectReport): string {
  const escapeData = (text: string) => text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const escapeProperty = (text: string) => escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
  const lines = report.diagnostics.map((diagnostic) => {
    const message = `${diagnostic.message}${attribution(diagnostic)}${diagnostic.hint ? ` (${diagnostic.hint})` : ""}`;
    const properties = [
      `file=${escapeProperty(diagnostic.file)}`,
      `line=${diagnostic.line}`,
      `col=${diagnostic.column}`,
      `title=${escapeProperty("nomaflow validate")}`,
    ].join(",");
    return `::${diagnostic.severity} ${properties}::${escapeData(message)}`;
  });
  lines.push(`nomaflow validate: ${jobsSummary(report)}`);
  return lines.join("\n");
}
