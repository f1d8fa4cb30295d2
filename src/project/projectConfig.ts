/**
 * The project-wide settings of nomaflow.yaml, typed. Built best-effort from whatever the file
 * holds, so that `validate` can go on checking jobs against a config that has errors of its own.
 */
import { isAbsolute, resolve } from "node:path";
import { defaultOf } from "../schema/common.js";
import { ProjectConfigFile } from "../schema/configSchema.js";
import type { ConnectorConfig } from "../connectors/connector.js";
import { resolveStateConfig, type StateConfig } from "./stateConfig.js";

export interface ChannelConfig {
  name: string;
  type: string;
  fields: Record<string, unknown>;
}

/** Job settings nomaflow.yaml gives every job (`defaults:`), before the job's own. */
export type JobDefaults = NonNullable<ProjectConfigFile["defaults"]>;

export interface ProjectConfig {
  root: string;
  /** Absolute paths. */
  envFile: string;
  runsDir: string;
  pythonInterpreter: string;
  /** `step_types:` — plugin modules (paths from plugins/) that add step types. */
  stepTypeModules: string[];
  defaults: JobDefaults;
  connectors: Map<string, ConnectorConfig>;
  channels: Map<string, ChannelConfig>;
  defaultRecipients: string[];
  /** `state:` — the PostgreSQL store several daemons share; undefined: local files, one daemon. */
  state: StateConfig | undefined;
  /** `daemon:` — settings of `nomaflow daemon` alone. */
  daemon: DaemonConfig;
}

export interface DaemonConfig {
  /** `max_concurrent_runs`: undefined, no limit (`--max-runs` overrides it). */
  maxConcurrentRuns: number | undefined;
}

/** Overrides from the command line (highest) and from NOMAFLOW_* variables. */
export interface SettingsOverrides {
  runsDir?: string;
  pythonInterpreter?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
/** A wrong value (which `validate` reports) reads as absent. */
const positiveIntegerOr = (value: unknown): number | undefined => (typeof value === "number" && Number.isInteger(value) && value >= 1 ? value : undefined);
const stringOr = (value: unknown, fallback: string): string => (typeof value === "string" && value !== "" ? value : fallback);

/**
 * The one place project settings are layered: built-in defaults < nomaflow.yaml < environment
 * (NOMAFLOW_RUNS_DIR, NOMAFLOW_PYTHON) < flags.
 */
export function resolveProjectConfig(root: string, file: unknown, processEnv: NodeJS.ProcessEnv = process.env, flags: SettingsOverrides = {}): ProjectConfig {
  const raw = isRecord(file) ? file : {};
  const python = isRecord(raw.python) ? raw.python : {};
  const settings = ProjectConfigFile.properties;
  const runsDir = flags.runsDir ?? processEnv.NOMAFLOW_RUNS_DIR ?? stringOr(raw.runs_dir, defaultOf(settings.runs_dir));
  const pythonInterpreter =
    flags.pythonInterpreter ?? processEnv.NOMAFLOW_PYTHON ?? stringOr(python.interpreter, defaultOf(settings.python.properties.interpreter));
  const within = (path: string) => (isAbsolute(path) ? path : resolve(root, path));

  const connectors = new Map<string, ConnectorConfig>();
  for (const [name, value] of Object.entries(isRecord(raw.connectors) ? raw.connectors : {})) {
    const definition = isRecord(value) ? value : {};
    connectors.set(name, {
      name,
      url: typeof definition.url === "string" ? definition.url : "",
      pool: isRecord(definition.pool) ? (definition.pool as ConnectorConfig["pool"]) : {},
    });
  }
  const notifications = isRecord(raw.notifications) ? raw.notifications : {};
  const channels = new Map<string, ChannelConfig>();
  for (const [name, value] of Object.entries(isRecord(notifications.channels) ? notifications.channels : {})) {
    const fields = isRecord(value) ? value : {};
    channels.set(name, { name, type: typeof fields.type === "string" ? fields.type : "", fields });
  }
  const defaultRecipients = Array.isArray(notifications.default) ? notifications.default.filter((name): name is string => typeof name === "string") : [];

  return {
    root,
    envFile: within(stringOr(raw.env_file, defaultOf(settings.env_file))),
    runsDir: within(runsDir),
    pythonInterpreter,
    stepTypeModules: Array.isArray(raw.step_types) ? raw.step_types.filter((path): path is string => typeof path === "string") : [],
    defaults: isRecord(raw.defaults) ? (raw.defaults as JobDefaults) : {},
    connectors,
    channels,
    defaultRecipients,
    state: resolveStateConfig(raw.state),
    daemon: { maxConcurrentRuns: positiveIntegerOr(isRecord(raw.daemon) ? raw.daemon.max_concurrent_runs : undefined) },
  };
}
