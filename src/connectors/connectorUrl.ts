/**
 * A connector's URL: resolved from the project environment, and what it connects to. Kept apart
 * from the drivers so that `validate` and `connectors list` read URLs without loading them.
 */
import { ConnectorError } from "../errors/nomaflowError.js";
import type { ProjectEnvironment } from "../templates/envFile.js";
import type { ConnectorConfig } from "./connector.js";
import { renderValue } from "../templates/template.js";

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
  const { value } = renderValue(
    config.url,
    (reference) => {
      if (reference.kind !== "env") throw new ConnectorError(config.name, `url: ${reference.raw} cannot be used in a connector URL; only \${env:…}`);
      const resolved = environment.values[reference.name] ?? reference.fallback;
      if (resolved === undefined) throw new ConnectorError(config.name, `url needs environment variable ${reference.name}, which is not set`);
      return resolved;
    },
    (problem) => {
      throw new ConnectorError(config.name, `url: ${problem.message}`);
    },
  );
  return String(value);
}
