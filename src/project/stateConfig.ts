/**
 * `state:` of nomaflow.yaml, typed: the PostgreSQL state store that several daemons share
 * (DESIGN 6.4). Kept here, below both `validate` and `state/`, so that the check `validate` reports
 * and the refusal of a store opened without it are the same rule in the same words.
 */
import { connectorKind, connectorUrl } from "../connectors/connectorUrl.js";
import type { ConnectorConfig } from "../connectors/connector.js";
import { didYouMean } from "../errors/closestMatch.js";
import { defaultOf } from "../schema/common.js";
import { StateSettings } from "../schema/configSchema.js";
import type { ProjectEnvironment } from "../templates/envFile.js";

export interface StateConfig {
  /** The connector holding the store; its URL is resolved when the store is opened. */
  connector: string;
  /** The schema's name, unquoted. */
  schema: string;
  heartbeatSeconds: number;
  leaseSeconds: number;
  keepDays: number;
}

/**
 * A lease outlasts this many heartbeats, so that a daemon whose renewal is late once or twice (a
 * slow statement, a GC pause) is not declared dead while it still runs.
 */
export const HEARTBEATS_PER_LEASE = 3;

const fields = StateSettings.properties;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const integerOr = (value: unknown, fallback: number): number => (typeof value === "number" && Number.isInteger(value) ? value : fallback);

/**
 * The `state:` settings with their defaults, best-effort (a wrong value falls back to its default;
 * `validate` reports it); undefined when nomaflow.yaml has no `state:`, the single-daemon mode.
 */
export function resolveStateConfig(raw: unknown): StateConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  const state = isRecord(raw) ? raw : {};
  return {
    connector: typeof state.connector === "string" ? state.connector : "",
    schema: typeof state.schema === "string" && state.schema !== "" ? state.schema : defaultOf(fields.schema),
    heartbeatSeconds: integerOr(state.heartbeat_seconds, defaultOf(fields.heartbeat_seconds)),
    leaseSeconds: integerOr(state.lease_seconds, defaultOf(fields.lease_seconds)),
    keepDays: integerOr(state.keep_days, defaultOf(fields.keep_days)),
  };
}

export interface StateProblem {
  message: string;
  hint: string;
}

/**
 * Why `state.connector` cannot hold the store: not defined, or a `pglite:` folder, which one process
 * opens and no other host reaches. Undefined when it can — or when its URL cannot be resolved or
 * has a scheme Nomaflow does not know: those are the connector's own problems, reported as such.
 */
export function stateConnectorProblem(
  state: StateConfig,
  connectors: ReadonlyMap<string, ConnectorConfig>,
  environment: ProjectEnvironment,
): StateProblem | undefined {
  const config = connectors.get(state.connector);
  if (!config) {
    return {
      message: `state.connector names connector ${state.connector}, which is not defined`,
      hint: didYouMean(state.connector, connectors.keys()) ?? "define it under connectors: with a postgres:// URL that every daemon reaches",
    };
  }
  let url: string;
  try {
    url = connectorUrl(config, environment);
  } catch {
    return undefined;
  }
  if (connectorKind(url) !== "pglite") return undefined;
  return {
    message: `state.connector ${state.connector} must be a PostgreSQL server every daemon reaches; pglite: is one process's file`,
    hint: "name a connector with a postgres:// URL (steps may go on using the pglite one)",
  };
}

/** Why the lease is too short for the heartbeat: a daemon late by one renewal would be declared dead. */
export function leaseProblem(state: StateConfig): StateProblem | undefined {
  const least = HEARTBEATS_PER_LEASE * state.heartbeatSeconds;
  if (state.leaseSeconds >= least) return undefined;
  return {
    message: `state.lease_seconds is ${state.leaseSeconds}, shorter than ${HEARTBEATS_PER_LEASE} heartbeats (${HEARTBEATS_PER_LEASE} × heartbeat_seconds ${state.heartbeatSeconds} = ${least})`,
    hint: `set lease_seconds to ${least} or more, or heartbeat_seconds to ${Math.max(1, Math.floor(state.leaseSeconds / HEARTBEATS_PER_LEASE))} or less, so that a daemon late by a heartbeat or two is not declared dead`,
  };
}
