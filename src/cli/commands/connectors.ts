import { ConnectorSet } from "../../connectors/connectorSet.js";
import { connectorKind, connectorUrl } from "../../connectors/connectorUrl.js";
import { UsageError } from "../../errors/nomaflowError.js";
import { loadProject, type Project } from "../../project/loadProject.js";
import type { ConnectorConfig } from "../../connectors/connector.js";
import { defaultOf } from "../../schema/common.js";
import { ConnectorPool } from "../../schema/configSchema.js";
import { didYouMean } from "../../errors/closestMatch.js";
import { createOutput, printJson } from "../output.js";
import { columnLines } from "../render/columnLines.js";

export interface ConnectorsOptions {
  project?: string;
  json?: boolean;
}

/**
 * Where a connector points, without its password: `postgres://user@host:5432/db` or `pglite:dir`;
 * a URL Nomaflow cannot connect with is of kind "unsupported".
 */
function describeTarget(config: ConnectorConfig, project: Project): { kind: string; target: string } {
  let url: string;
  try {
    url = connectorUrl(config, project.environment);
  } catch (error) {
    return { kind: "?", target: (error as Error).message.replace(/^connector \S+: /, "") };
  }
  const kind = connectorKind(url) ?? "unsupported";
  if (kind === "pglite") return { kind, target: url };
  try {
    const parsed = new URL(url);
    parsed.password = "";
    return { kind, target: parsed.toString() };
  } catch {
    return { kind: "?", target: "unreadable URL" };
  }
}

export async function connectorsListCommand(options: ConnectorsOptions): Promise<number> {
  const output = createOutput();
  const project = loadProject({ projectDir: options.project });
  const entries = [...project.config.connectors.values()].map((config) => ({
    name: config.name,
    ...describeTarget(config, project),
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
        try {
          const description = await connectors
            .get(connectorName)
            .describe({ applicationName: "nomaflow:connectors-test", signal: AbortSignal.timeout(15_000) });
          return { name: connectorName, ok: true, version: description.version, latency_ms: Math.round(description.latencyMs * 100) / 100, error: null };
        } catch (error) {
          return { name: connectorName, ok: false, version: null, latency_ms: null, error: (error as Error).message.replace(/^connector \S+: /, "") };
        }
      }),
    );
    if (options.json) printJson(output, results);
    else {
      const { style } = output;
      const width = Math.max(0, ...results.map((result) => result.name.length));
      for (const result of results) {
        output.out(
          result.ok
            ? `${style.green("✓")} ${result.name.padEnd(width)}  ${result.version!.split(" on ")[0]}  ${style.dim(`round trip ${result.latency_ms} ms`)}`
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
