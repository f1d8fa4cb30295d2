/** The state store of a loaded project, for the commands that read or migrate it. */
import { ConfigError } from "../errors/nomaflowError.js";
import type { Project } from "../project/loadProject.js";
import { openStatePool, type StatePool } from "../state/statePool.js";
import { checkConfig } from "../validate/checkConfig.js";

/**
 * The store of the project, once nomaflow.yaml is known to be right: a wrong `state:` (or a wrong
 * connector) is reported at its line rather than as a failed connection.
 */
export function openProjectStore(project: Project, applicationName: string): StatePool {
  if (!project.config.state) {
    throw new ConfigError(`${project.configFile.file} has no state: section, so there is no state store`, {
      hint: "add state: { connector: NAME } naming a connector with a postgres:// URL that every daemon reaches",
    });
  }
  const errors = checkConfig(project, false).filter((diagnostic) => diagnostic.severity === "error");
  const first = errors[0];
  if (first) {
    throw new ConfigError(`${first.file}:${first.line}:${first.column}: ${first.message}`, {
      hint: errors.length > 1 ? `${errors.length} problems; nomaflow validate lists them all` : (first.hint ?? "nomaflow validate shows it in context"),
    });
  }
  return openStatePool(project, { applicationName });
}

/** `127.0.0.1:5432/ops`: where the store is, without user or password. */
export const storeServer = (store: StatePool) => `${store.server.host}:${store.server.port}${store.server.database ? `/${store.server.database}` : ""}`;
