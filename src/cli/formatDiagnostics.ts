/** The three shapes of `validate` output: text for people, JSON for scripts, GitHub annotations for CI. */
import type { ChalkInstance } from "chalk";
import type { Diagnostic } from "../project/diagnostic.js";
import type { ProjectReport } from "../validate/checkProject.js";

function attribution(diagnostic: Diagnostic): string {
  const parts = [diagnostic.job && `job ${diagnostic.job}`, diagnostic.step && `step ${diagnostic.step}`].filter(Boolean);
  return parts.length ? ` [${parts.join(", ")}]` : "";
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
    lines.push(`${job.valid ? style.green("✓") : style.red("✗")} ${job.id.padEnd(width)}  ${style.dim(job.file)}`);
  }
  const errors = report.diagnostics.filter((diagnostic) => diagnostic.severity === "error").length;
  const warnings = report.diagnostics.length - errors;
  const valid = report.jobs.filter((job) => job.valid).length;
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
  lines.push(
    report.jobs.length === 0
      ? `no job files in jobs/ · ${plural(errors, "error")} · ${plural(warnings, "warning")}`
      : `${valid} of ${plural(report.jobs.length, "job")} valid · ${plural(errors, "error")} · ${plural(warnings, "warning")}`,
  );
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
  const valid = report.jobs.filter((job) => job.valid).length;
  lines.push(`nomaflow validate: ${valid} of ${report.jobs.length} jobs valid`);
  return lines.join("\n");
}
