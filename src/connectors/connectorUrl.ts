/**
 * A connector's URL: resolved from the project environment, and what it connects to. Kept apart
 * from the drivers so that `validate` and `connectors list` read URLs without loading them.
 */
import { ConnectorError } from "../errors/nomaflowError.js";
import type { ProjectEnvironment } from "../templates/envFile.js";
import type { ConnectorConfig } from "./connector.js";
import { resolveEnvOnly } from "../templates/resolveEnvOnly.js";

export type ConnectorKind = "postgres" | "pglite";

/** The URL rule, once: how a URL starts says what it connects to (postgres:// in any case, as libpq takes it). */
const URL_STARTS = [
  { start: "postgres://", kind: "postgres", anyCase: true },
  { start: "postgresql://", kind: "postgres", anyCase: true },
  { start: "pglite:", kind: "pglite", anyCase: false },
] as const;

/** Said wherever a URL has a scheme Nomaflow cannot connect with. */
export const CONNECTOR_URL_RULE = `url must start with ${URL_STARTS.slice(0, -1)
  .map((rule) => rule.start)
  .join(", ")} or ${URL_STARTS.at(-1)!.start}`;

/**
 * What a resolved URL connects to: a server, or the PGlite folder after `pglite:` (empty when the
 * URL names none); undefined for a scheme Nomaflow does not support (mysql://, …).
 */
export function connectorTarget(url: string): { kind: "postgres" } | { kind: "pglite"; folder: string } | undefined {
  const rule = URL_STARTS.find(({ start, anyCase }) => (anyCase ? url.slice(0, start.length).toLowerCase() === start : url.startsWith(start)));
  if (rule === undefined) return undefined;
  return rule.kind === "pglite" ? { kind: "pglite", folder: url.slice(rule.start.length) } : { kind: "postgres" };
}

export function connectorKind(url: string): ConnectorKind | undefined {
  return connectorTarget(url)?.kind;
}

/** The URL with its `${env:…}` resolved; throws a ConnectorError naming an unset variable. */
export function connectorUrl(config: ConnectorConfig, environment: ProjectEnvironment): string {
  const { value } = resolveEnvOnly({ url: config.url }, environment, "a connector URL", (message) => {
    throw new ConnectorError(config.name, message);
  });
  return String((value as { url: unknown }).url);
}
