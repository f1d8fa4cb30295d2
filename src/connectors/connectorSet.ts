/**
 * The connectors of one run (or one command), opened on first use from nomaflow.yaml and closed
 * together at the end. URLs are interpolated from the project environment (connectorUrl.ts).
 */
import { isAbsolute, resolve } from "node:path";
import { ConnectorError } from "../errors/nomaflowError.js";
import type { ProjectEnvironment } from "../templates/envFile.js";
import type { Connector, ConnectorConfig } from "./connector.js";
import { connectorTarget, connectorUrl, CONNECTOR_URL_RULE } from "./connectorUrl.js";
import { openPgliteConnector } from "./pglite/pgliteConnector.js";
import { openPostgresConnector } from "./postgres/postgresConnector.js";

export interface ConnectorSetOptions {
  connectors: ReadonlyMap<string, ConnectorConfig>;
  environment: ProjectEnvironment;
  projectRoot: string;
}

/** Opens a connector from its resolved URL: postgres://, postgresql:// or pglite:DIR. */
export function openConnector(config: ConnectorConfig, url: string, projectRoot: string): Connector {
  const target = connectorTarget(url);
  if (target?.kind === "postgres") return openPostgresConnector(config.name, url, config.pool);
  if (target?.kind === "pglite") {
    const { folder } = target;
    if (!folder) throw new ConnectorError(config.name, "pglite: needs a folder, e.g. pglite:.nomaflow/scratch");
    return openPgliteConnector(config.name, isAbsolute(folder) ? folder : resolve(projectRoot, folder));
  }
  throw new ConnectorError(config.name, CONNECTOR_URL_RULE);
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
