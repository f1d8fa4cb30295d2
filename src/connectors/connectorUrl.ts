/**
 * A connector's URL: resolved from the project environment, and what it connects to. Kept apart
 * from the drivers so that `validate` and `connectors list` read URLs without loading them.
 */
import { ConnectorError } from "../errors.js";
import type { ProjectEnvironment } from "../project/envFile.js";
import type { ConnectorConfig } from "../project/projectConfig.js";
import { resolveEnvOnly } from "../project/resolveEnvOnly.js";

export type ConnectorKind = "postgres" | "pglite";

/** Said wherever a URL has a scheme Nomaflow cannot connect with. */
export const CONNECTOR_URL_RULE = "url must start with postgres://, postgresql:// or pglite:";

/** What a resolved URL connects to; undefined for a scheme Nomaflow does not support (mysql://, …). */
export function connectorKind(url: string): ConnectorKind | undefined {
  if (/^postgres(ql)?:\/\//i.test(url)) return "postgres";
  if (url.startsWith("pglite:")) return "pglite";
  return undefined;
}

/** The URL with its `${env:…}` resolved; throws a ConnectorError naming an unset variable. */
export function connectorUrl(config: ConnectorConfig, environment: ProjectEnvironment): string {
  const { value } = resolveEnvOnly({ url: config.url }, environment, "a connector URL", (message) => {
    throw new ConnectorError(config.name, message);
  });
  return String((value as { url: unknown }).url);
}
