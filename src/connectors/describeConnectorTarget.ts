/**
 * Where a connector points, for people to read: its URL with the password replaced, for
 * `nomaflow connectors list` (password left out) and the console (password shown as `***`).
 */
import type { ProjectEnvironment } from "../templates/envFile.js";
import type { ConnectorConfig } from "./connector.js";
import { connectorKind, connectorUrl } from "./connectorUrl.js";

export interface ConnectorTargetText {
  /** `postgres`, `pglite`, `unsupported` (a URL Nomaflow cannot connect with), or `?` (unresolved or unreadable). */
  kind: string;
  /** `postgres://user@host:5432/db`, `pglite:dir`, or why the URL cannot be shown. */
  target: string;
}

export interface DescribeTargetOptions {
  /** What stands for a password the URL holds. @default "" (left out) */
  password?: string;
}

export function describeConnectorTarget(config: ConnectorConfig, environment: ProjectEnvironment, options: DescribeTargetOptions = {}): ConnectorTargetText {
  let url: string;
  try {
    url = connectorUrl(config, environment);
  } catch (error) {
    return { kind: "?", target: (error as Error).message.replace(/^connector \S+: /, "") };
  }
  const kind = connectorKind(url) ?? "unsupported";
  if (kind === "pglite") return { kind, target: url };
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = options.password ?? "";
    return { kind, target: parsed.toString() };
  } catch {
    return { kind: "?", target: "unreadable URL" };
  }
}
