import { checkConnection, shortServerVersion } from "../../connectors/checkConnection.js";
import { ConnectorSet } from "../../connectors/connectorSet.js";
import { describeConnectorTarget } from "../../connectors/describeConnectorTarget.js";
import { UsageError } from "../../errors/nomaflowError.js";
import { loadProject } from "../../project/loadProject.js";
import { defaultOf } from "../../schema/common.js";
import { ConnectorPool } from "../../schema/configSchema.js";
import { didYouMean } from "../../errors/closestMatch.js";
import { createOutput, printJson } from "../output.js";
import { columnLines } from "../render/columnLines.js";

export interface ConnectorsOptions {
  project?: string;
  json?: boolean;
}

export async function connectorsListCommand(options: ConnectorsOptions): Promise<number> {
  const output = createOutput();
  const project = loadProject({ projectDir: options.project });
  const entries = [...project.config.connectors.values()].map((config) => ({
    name: config.name,
    ...describeConnectorTarget(config, project.environment),
    pool_max: config.pool.max ?? defaultOf(ConnectorPool.properties.max),
  }));
  if (options.json) {
    printJson(output, entries);
    return 0;
  }
  if (entries.length === 0) {
    output.out("no connectors in nomaflow.yaml");
    return 0;
  }
  const [header, ...rows] = columnLines([
    ["NAME", "KIND", "TARGET", "POOL"],
    ...entries.map((entry) => [entry.name, entry.kind, entry.target, String(entry.pool_max)]),
  ]);
  output.out(output.style.bold(header!));
  for (const row of rows) output.out(row);
  return 0;
}

export async function connectorsTestCommand(name: string | undefined, options: ConnectorsOptions): Promise<number> {
  const output = createOutput();
  const project = loadProject({ projectDir: options.project });
  const known = [...project.config.connectors.keys()];
  if (name !== undefined && !project.config.connectors.has(name)) {
    throw new UsageError(`no connector ${name} in nomaflow.yaml`, {
      hint: didYouMean(name, known) ?? (known.length ? `connectors: ${known.join(", ")}` : "add one under connectors:"),
    });
  }
  const names = name === undefined ? known : [name];
  const connectors = new ConnectorSet({ connectors: project.config.connectors, environment: project.environment, projectRoot: project.root });
  try {
    const results = await Promise.all(
      names.map(async (connectorName) => {
        const check = await checkConnection(connectors, connectorName, { applicationName: "nomaflow:connectors-test" });
        return { name: check.name, ok: check.ok, version: check.version, latency_ms: check.latencyMs, error: check.error };
      }),
    );
    if (options.json) printJson(output, results);
    else {
      const { style } = output;
      const width = Math.max(0, ...results.map((result) => result.name.length));
      for (const result of results) {
        output.out(
          result.ok
            ? `${style.green("✓")} ${result.name.padEnd(width)}  ${shortServerVersion(result.version!)}  ${style.dim(`round trip ${result.latency_ms} ms`)}`
            : `${style.red("✗")} ${result.name.padEnd(width)}  ${result.error}`,
        );
      }
      if (results.length === 0) output.out("no connectors in nomaflow.yaml");
    }
    return results.every((result) => result.ok) ? 0 : 1;
  } finally {
    await connectors.closeAll();
  }
}
