/** Checks nomaflow.yaml: its schema, each channel's fields, names it refers to, and its `${…}`. */
import type { Diagnostic } from "../project/diagnostic.js";
import type { Project } from "../project/loadProject.js";
import { diagnosticAt } from "../project/yamlSource.js";
import { ProjectConfigFile } from "../schema/configSchema.js";
import { channelFields } from "../schema/channelTypes.js";
import { didYouMean } from "../errors/closestMatch.js";
import { checkConnectorUrls } from "./checkConnectorUrls.js";
import { checkStateSettings } from "./checkStateSettings.js";
import { checkTemplates } from "./checkTemplates.js";
import { literalPasswords } from "./literalPasswords.js";
import { findReferences } from "./references.js";
import { schemaProblems } from "./schemaProblems.js";
import { isValidTimezone, suggestTimezone } from "../schedule/timezones.js";

export function checkConfig(project: Project, requireEnv: boolean): Diagnostic[] {
  const { configFile, config } = project;
  const source = configFile.source;
  if (!source) return configFile.readDiagnostics;
  const diagnostics = [...configFile.readDiagnostics];
  const at = (
    path: (string | number)[],
    message: string,
    options: { hint?: string | undefined; part?: "key" | "value"; severity?: "error" | "warning"; offsetInValue?: number } = {},
  ) => diagnostics.push(diagnosticAt(source, path, message, { ...options, hint: options.hint ?? null }));

  if (typeof source.data !== "object" || source.data === null || Array.isArray(source.data)) {
    at([], "nomaflow.yaml must be a map of settings (connectors, notifications, defaults, …)");
    return diagnostics;
  }
  const problems = schemaProblems(ProjectConfigFile, source.data);
  for (const problem of problems) at(problem.path, problem.message, problem);

  for (const channel of config.channels.values()) {
    const schema = channelFields(channel.type);
    if (!schema) continue; // the schema already named the bad type
    for (const problem of schemaProblems(schema, channel.fields)) {
      at(["notifications", "channels", channel.name, ...problem.path], problem.message.replace("the file", `channel ${channel.name}`), problem);
    }
  }
  config.defaultRecipients.forEach((name, index) => {
    if (!config.channels.has(name)) {
      at(["notifications", "default", index], `notifications.default names channel ${name}, which is not defined`, {
        hint: didYouMean(name, config.channels.keys()) ?? "define it under notifications.channels",
      });
    }
  });
  // defaults.alerts: recipients and on_success.recipients, named as a job's are.
  for (const reference of findReferences(ProjectConfigFile as unknown as Record<string, unknown>, source.data)) {
    if (reference.kind === "channel" && reference.path[0] === "defaults" && !config.channels.has(reference.name)) {
      at(reference.path, `alert recipient ${reference.name} is not a channel of nomaflow.yaml`, {
        hint: didYouMean(reference.name, config.channels.keys()) ?? "define it under notifications.channels",
      });
    }
  }
  for (const finding of checkConnectorUrls(config.connectors.values(), project.environment)) at(finding.path, finding.message, finding);
  const stateRefused = problems.some((problem) => problem.path[0] === "state");
  for (const finding of checkStateSettings(config, project.environment, (source.data as Record<string, unknown>).state, stateRefused)) {
    at(finding.path, finding.message, finding);
  }
  for (const finding of literalPasswords(source.data)) at(finding.path, finding.message, { ...finding, severity: "warning" });
  const timezone = config.defaults.timezone;
  if (typeof timezone === "string" && !isValidTimezone(timezone)) {
    const suggestion = suggestTimezone(timezone);
    at(["defaults", "timezone"], `unknown time zone ${timezone}`, {
      hint: suggestion ? `did you mean ${suggestion}?` : "use an IANA name such as Europe/Paris or UTC",
    });
  }
  for (const finding of checkTemplates(source.data, { environment: project.environment, requireEnv })) {
    at(finding.path, finding.message, finding);
  }
  return diagnostics;
}
