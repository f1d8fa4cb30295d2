/**
 * Checks each connector's URL as it will be used: after its `${env:…}` are resolved, so a
 * `mysql://` that comes from the env file is caught as a literal one is.
 */
import { connectorKind, connectorUrl, CONNECTOR_URL_RULE } from "../connectors/connectorUrl.js";
import type { ProjectEnvironment } from "../templates/envFile.js";
import type { ConnectorConfig } from "../connectors/connector.js";
import { parseTemplate } from "../templates/template.js";

export interface ConnectorUrlFinding {
  path: (string | number)[];
  message: string;
  hint?: string;
  offsetInValue?: number;
}

export function checkConnectorUrls(connectors: Iterable<ConnectorConfig>, environment: ProjectEnvironment): ConnectorUrlFinding[] {
  const findings: ConnectorUrlFinding[] = [];
  for (const connector of connectors) {
    if (!connector.url) continue;
    const path = ["connectors", connector.name, "url"];
    const variables = parseTemplate(connector.url).parts.flatMap((part) => (typeof part === "object" && part.kind === "env" ? [part] : []));
    let url: string;
    try {
      url = connectorUrl(connector, environment);
    } catch {
      continue; // an unset variable or a bad reference: the template check reports it
    }
    if (connectorKind(url) !== undefined) continue;
    if (variables.length === 0) {
      findings.push({ path, message: `connector ${connector.name}: ${CONNECTOR_URL_RULE}` });
      continue;
    }
    const names = variables.map((variable) => variable.name);
    const from = names.length === 1 ? `environment variable ${names[0]}` : `environment variables ${names.join(", ")}`;
    findings.push({
      path,
      offsetInValue: variables[0]!.index,
      message: `connector ${connector.name}: ${CONNECTOR_URL_RULE}; with ${from} it is ${scheme(url)}…`,
      hint: `set ${names.join(", ")} (in the environment or ${environment.fileFound ? "the env file" : "an env file"}) to a postgres:// URL`,
    });
  }
  return findings;
}

/** The URL's scheme only: the rest may hold a password. */
function scheme(url: string): string {
  return /^[A-Za-z][A-Za-z0-9+.-]*:(?:\/\/)?/.exec(url)?.[0] ?? "a URL without a scheme ";
}
