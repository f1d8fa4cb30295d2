/** `nomaflow state migrate` and `state status`: the PostgreSQL state store's tables and their version. */
import { ConfigError } from "../../errors/nomaflowError.js";
import { loadProject } from "../../project/loadProject.js";
import { migrateState } from "../../state/migrateState.js";
import { openStatePool, type StatePool } from "../../state/statePool.js";
import { checkStateVersion } from "../../state/stateVersion.js";
import { checkConfig } from "../../validate/checkConfig.js";
import { createOutput, printJson } from "../output.js";

export interface StateCommandOptions {
  project?: string;
  json?: boolean;
}

/**
 * The store of the project, once nomaflow.yaml is known to be right: a wrong `state:` (or a wrong
 * connector) is reported at its line rather than as a failed connection.
 */
function openProjectStore(projectDir: string | undefined, applicationName: string): StatePool {
  const project = loadProject({ projectDir });
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

/** `server: 127.0.0.1:5432/ops`, for the JSON: where the store is, without user or password. */
const serverOf = (store: StatePool) => `${store.server.host}:${store.server.port}${store.server.database ? `/${store.server.database}` : ""}`;

export async function stateMigrateCommand(options: StateCommandOptions): Promise<number> {
  const output = createOutput();
  const store = openProjectStore(options.project, "nomaflow:state-migrate");
  try {
    const result = await migrateState(store);
    if (options.json) {
      printJson(output, { schema: store.schemaName, connector: store.connectorName, server: serverOf(store), ...result });
      return 0;
    }
    const done =
      result.applied.length === 0
        ? `already at version ${result.to}`
        : `migrated from version ${result.from} to ${result.to} (applied ${result.applied.map((migration) => `${migration.version} ${migration.name}`).join("; ")})`;
    output.out(`state store: ${store.describe()} — ${done}`);
    return 0;
  } finally {
    await store.close();
  }
}

export async function stateStatusCommand(options: StateCommandOptions): Promise<number> {
  const output = createOutput();
  const store = openProjectStore(options.project, "nomaflow:state-status");
  try {
    const version = await checkStateVersion(store);
    if (options.json) {
      printJson(output, {
        schema: store.schemaName,
        connector: store.connectorName,
        server: serverOf(store),
        version: version.version,
        written_by: version.writtenBy,
        known: version.known,
        ready: version.ready,
        problem: version.notReady ?? null,
      });
    } else {
      const { style } = output;
      output.out(`state store: ${store.describe()} (${serverOf(store)})`);
      const writtenBy = version.writtenBy ? `, by nomaflow ${version.writtenBy}` : "";
      output.out(`version:     ${version.version}${writtenBy}; this nomaflow knows up to ${version.known}`);
      output.out(version.ready ? style.green("ready") : style.yellow(version.notReady!));
    }
    return version.ready ? 0 : 1;
  } finally {
    await store.close();
  }
}
