/**
 * The connectors of one run (or one command), opened on first use from nomaflow.yaml and closed
 * together at the end. URLs are interpolated here, from the project environment.
 */
import { isAbsolute, resolve } from "node:path";
import { ConnectorError } from "../errors.js";
import type { ProjectEnvironment } from "../project/envFile.js";
import type { ConnectorConfig } from "../project/projectConfig.js";
import { renderValue } from "../project/template.js";
import type { Connector } from "./connector.js";
import { openPgliteConnector } from "./pgliteConnector.js";
import { openPostgresConnector } from "./postgresConnector.js";

export interface ConnectorSetOptions {
  connectors: ReadonlyMap<string, ConnectorConfig>;
  environment: ProjectEnvironment;
  projectRoot: string;
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

/** Opens a connector from its resolved URL: postgres://, postgresql:// or pglite:DIR. */
export function openConnector(config: ConnectorConfig, url: string, projectRoot: string): Connector {
  if (/^postgres(ql)?:\/\//i.test(url)) return openPostgresConnector(config.name, url, config.pool);
  if (url.startsWith("pglite:")) {
    const folder = url.slice("pglite:".length);
    if (!folder) throw new ConnectorError(config.name, "pglite: needs a folder, e.g. pglite:.nomaflow/scratch");
    return openPgliteConnector(config.name, isAbsolute(folder) ? folder : resolve(projectRoot, folder));
  }
  throw new ConnectorError(config.name, "url must start with postgres://, postgresql:// or pglite:");
}

export class ConnectorSet {
  readonly #options: ConnectorSetOptions;
  readonly #open = new Map<string, Connector>();

  constructor(options: ConnectorSetOptions) {
    this.#options = options;
  }

  /** The named connector, opened on first use. */
  get(name: string): Connector {
    let connector = this.#open.get(name);
    if (!connector) {
      const config = this.#options.connectors.get(name);
      if (!config) throw new ConnectorError(name, "is not defined in nomaflow.yaml");
      connector = openConnector(config, connectorUrl(config, this.#options.environment), this.#options.projectRoot);
      this.#open.set(name, connector);
    }
    return connector;
  }

  async closeAll(): Promise<void> {
    if (this.#open.size === 0) return;
    const open = [...this.#open.values()];
    this.#open.clear();
    await Promise.allSettled(open.map((connector) => connector.close()));
  }
}
