/**
 * What the schema cannot say of `state:` in nomaflow.yaml: that its connector is a PostgreSQL
 * server every daemon reaches, and that a lease outlasts a few heartbeats.
 */
import type { ProjectConfig } from "../project/projectConfig.js";
import { leaseProblem, stateConnectorProblem } from "../project/stateConfig.js";
import type { ProjectEnvironment } from "../templates/envFile.js";

export interface StateFinding {
  path: (string | number)[];
  message: string;
  hint: string;
}

/**
 * `written` is `state:` as in the file, to point at the field the user wrote; `schemaRefused`: the
 * schema already refused a field of it, whose default would mislead the lease check.
 */
export function checkStateSettings(config: ProjectConfig, environment: ProjectEnvironment, written: unknown, schemaRefused: boolean): StateFinding[] {
  const state = config.state;
  if (!state) return [];
  const findings: StateFinding[] = [];
  if (state.connector !== "") {
    const problem = stateConnectorProblem(state, config.connectors, environment);
    if (problem) findings.push({ path: ["state", "connector"], ...problem });
  }
  const lease = schemaRefused ? undefined : leaseProblem(state);
  if (lease) {
    const leaseWritten = typeof written === "object" && written !== null && "lease_seconds" in written;
    findings.push({ path: ["state", leaseWritten ? "lease_seconds" : "heartbeat_seconds"], ...lease });
  }
  return findings;
}
