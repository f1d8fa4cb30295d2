/** `nomaflow state migrate` and `state status`: the PostgreSQL state store's tables and their version. */
import { loadProject } from "../../project/loadProject.js";
import { migrateState } from "../../state/migrateState.js";
import { checkStateVersion } from "../../state/stateVersion.js";
import { openProjectStore, storeServer as serverOf } from "../openProjectStore.js";
import { createOutput, printJson } from "../output.js";

export interface StateCommandOptions {
  project?: string;
  json?: boolean;
}

export async function stateMigrateCommand(options: StateCommandOptions): Promise<number> {
  const output = createOutput();
  const store = openProjectStore(loadProject({ projectDir: options.project }), "nomaflow:state-migrate");
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
  const store = openProjectStore(loadProject({ projectDir: options.project }), "nomaflow:state-status");
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
